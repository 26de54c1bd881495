/* snapy_trace._speedups: the recording hot path in C (optional; pure Python otherwise).
 *
 * Skeleton: the recorder lands in a following commit.
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>

static struct PyModuleDef speedups_module = {
    PyModuleDef_HEAD_INIT,
    "snapy_trace._speedups",
    "The recording hot path of snapy-trace, in C.",
    -1,
    NULL,
};

PyMODINIT_FUNC
PyInit__speedups(void)
{
    return PyModule_Create(&speedups_module);
}
