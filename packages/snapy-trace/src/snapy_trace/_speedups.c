/* snapy_trace._speedups: the recording hot path in C (optional).
 *
 * A Recorder writes exactly the records the generated Python functions of
 * _recording.py / _engine_monitoring.py / _engine_settrace.py write (see _raw.py for
 * the layouts), for the common configurations: minimal or standard detail, no memory
 * tracking, no locals, no line tracing, no should_trace_call override. Everything else,
 * and the rare events (exceptions crossing frames, generators under settrace), stays
 * in Python: the Recorder is given the Python functions to hand those over to.
 *
 * Why C: a sys.monitoring or sys.settrace callback written in Python costs a Python
 * frame per event, about as much as cProfile's whole work per event; a builtin method
 * costs a C call. On 3.12+ the arguments are read with PyFrame_GetVar instead of
 * frame.f_locals, which builds a dict of every local per call.
 *
 * A record is computed completely (slots in a C array) before anything is appended, so
 * that nothing that may run Python code (a collection, a __hash__) falls between the
 * appends of one record: several threads may write the buffer.
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <frameobject.h>
#include <time.h>

#ifndef CO_FAST_FREE
#define CO_FAST_FREE 0x80
#endif

#define MAX_SLOTS 64

/* record markers of _raw.py */
enum { RESUME = 1, YIELD = 3 };

enum { MINIMAL = 0, STANDARD = 1 };

typedef struct {
    PyObject_HEAD
    PyObject *buffer;        /* list: the raw records */
    PyObject *atomic;        /* frozenset of the types kept as values */
    PyObject *current_task;  /* () -> the running asyncio task or None */
    PyObject *perf_counter;  /* time.perf_counter, when the C clock is not the same */
    /* settrace engine */
    PyObject *kept;          /* set of file names whose calls are recorded */
    PyObject *rejected;      /* set of file names never recorded */
    PyObject *classify;      /* (frame) -> local trace function: first call of a file */
    PyObject *enter;         /* (frame, code) -> local: generators and coroutines */
    PyObject *local_py;      /* the Python local trace function */
    PyObject *exit_slow;     /* (frame, arg, t): a return after an exception event */
    PyObject *pending;       /* dict: frames an exception went through */
    PyObject *local;         /* this recorder's own local trace function (bound) */
    PyObject *resume_marker;
    PyObject *yield_marker;
    unsigned long thread;
    int check_thread;        /* ignore events of other threads */
    int with_thread;         /* records carry the thread identifier */
    int detail;
    int tasks;               /* coroutine entries carry the asyncio task */
    int c_clock;             /* CLOCK_MONOTONIC is perf_counter's clock */
} Recorder;

static PyObject *str_return;     /* interned "return" */
static PyObject *str_f_locals;
static PyObject *str_f_trace_lines;
static PyObject *str_values;

#define ASYNC_FLAGS (CO_COROUTINE | CO_ITERABLE_COROUTINE | CO_ASYNC_GENERATOR)
#define SUSPENDABLE_FLAGS (CO_GENERATOR | ASYNC_FLAGS)

/* -- slots ------------------------------------------------------------------------- */

typedef struct {
    PyObject *items[MAX_SLOTS];
    PyObject **slots;  /* items, or a heap array for calls of many arguments */
    Py_ssize_t count;
    Py_ssize_t capacity;
} Slots;

static void
slots_init(Slots *s)
{
    s->slots = s->items;
    s->count = 0;
    s->capacity = MAX_SLOTS;
}

/* Adds a new reference (stolen). Returns -1 with an exception set. */
static int
slots_add(Slots *s, PyObject *value)
{
    if (value == NULL) {
        return -1;
    }
    if (s->count == s->capacity) {
        Py_ssize_t capacity = s->capacity * 2;
        PyObject **grown = PyMem_Malloc(sizeof(PyObject *) * capacity);
        if (grown == NULL) {
            Py_DECREF(value);
            PyErr_NoMemory();
            return -1;
        }
        memcpy(grown, s->slots, sizeof(PyObject *) * s->count);
        if (s->slots != s->items) {
            PyMem_Free(s->slots);
        }
        s->slots = grown;
        s->capacity = capacity;
    }
    s->slots[s->count++] = value;
    return 0;
}

static void
slots_clear(Slots *s)
{
    for (Py_ssize_t i = 0; i < s->count; i++) {
        Py_DECREF(s->slots[i]);
    }
    if (s->slots != s->items) {
        PyMem_Free(s->slots);
    }
    s->count = 0;
    s->slots = s->items;
}

/* The arguments could not be read (no memory, say): the call is recorded with none, so
 * that its return still has a call to end. */
static int
arguments_unknown(Slots *s, Py_ssize_t before)
{
    PyErr_Clear();
    while (s->count > before) {
        s->count--;
        Py_DECREF(s->slots[s->count]);
    }
    return slots_add(s, PyLong_FromLong(0));
}

/* Appends every slot to the buffer and releases them. */
static int
slots_flush(Recorder *self, Slots *s)
{
    int failed = 0;
    for (Py_ssize_t i = 0; i < s->count && !failed; i++) {
        failed = PyList_Append(self->buffer, s->slots[i]);
    }
    slots_clear(s);
    return failed ? -1 : 0;
}

/* -- values -------------------------------------------------------------------------- */

/* perf_counter(), as a double; -1.0 with an exception set when it fails. */
static double
now_seconds(Recorder *self)
{
#ifdef CLOCK_MONOTONIC
    if (self->c_clock) {
        struct timespec ts;
        clock_gettime(CLOCK_MONOTONIC, &ts);
        /* as perf_counter computes it: nanoseconds, then seconds */
        long long ns = (long long)ts.tv_sec * 1000000000LL + ts.tv_nsec;
        return (double)ns / 1e9;
    }
#endif
    PyObject *t = PyObject_CallNoArgs(self->perf_counter);
    if (t == NULL) {
        return -1.0;
    }
    double seconds = PyFloat_AsDouble(t);
    Py_DECREF(t);
    return seconds;
}

static PyObject *
now(Recorder *self)
{
    double t = now_seconds(self);
    return t == -1.0 && PyErr_Occurred() ? NULL : PyFloat_FromDouble(t);
}

static PyObject *
now_negated(Recorder *self)
{
    double t = now_seconds(self);
    return t == -1.0 && PyErr_Occurred() ? NULL : PyFloat_FromDouble(-t);
}

/* Appends one new reference (stolen) to the buffer. */
static int
append_new(Recorder *self, PyObject *value)
{
    if (value == NULL) {
        return -1;
    }
    int failed = PyList_Append(self->buffer, value);
    Py_DECREF(value);
    return failed;
}

/* A value as the standard detail level keeps it: itself when atomic, else its type. */
static PyObject *
kept_value(Recorder *self, PyObject *value)
{
    PyObject *kind = (PyObject *)Py_TYPE(value);
    int atomic = PySet_Contains(self->atomic, kind);
    if (atomic < 0) {
        return NULL;
    }
    return Py_NewRef(atomic ? value : kind);
}

static int
add_thread(Recorder *self, Slots *s)
{
    if (!self->with_thread) {
        return 0;
    }
    return slots_add(s, PyLong_FromUnsignedLong(PyThread_get_thread_ident()));
}

static int
add_values_of(Recorder *self, Slots *s, PyObject *values)
{
    Py_ssize_t count_at = s->count;
    if (slots_add(s, Py_NewRef(Py_None)) < 0) {  /* the count, set below */
        return -1;
    }
    PyObject *iterator = PyObject_GetIter(values);
    if (iterator == NULL) {
        return -1;
    }
    PyObject *value;
    Py_ssize_t n = 0;
    while ((value = PyIter_Next(iterator)) != NULL) {
        PyObject *kept = kept_value(self, value);
        Py_DECREF(value);
        if (slots_add(s, kept) < 0) {
            Py_DECREF(iterator);
            return -1;
        }
        n++;
    }
    Py_DECREF(iterator);
    if (PyErr_Occurred()) {
        return -1;
    }
    PyObject *count = PyLong_FromSsize_t(n);
    if (count == NULL) {
        return -1;
    }
    Py_SETREF(s->slots[count_at], count);
    return 0;
}

/* ``count, value, value, ...`` of ``frame.f_locals.values()`` (any kind of frame). */
static int
add_locals_values(Recorder *self, Slots *s, PyObject *frame)
{
    PyObject *locals = PyObject_GetAttr(frame, str_f_locals);
    if (locals == NULL) {
        return -1;
    }
    PyObject *values;
    if (PyDict_CheckExact(locals)) {
        values = PyDict_Values(locals);
    }
    else {
        values = PyObject_CallMethodNoArgs(locals, str_values);
    }
    Py_DECREF(locals);
    if (values == NULL) {
        return -1;
    }
    int result = add_values_of(self, s, values);
    Py_DECREF(values);
    return result;
}

#if PY_VERSION_HEX >= 0x030C0000
/* The same slots as add_locals_values for a function frame at its start, without the
 * dict f_locals builds on 3.12: the bound arguments, then the bound free variables, in
 * the order f_locals has them (the order of co_localsplusnames). */
static int
add_arguments(Recorder *self, Slots *s, PyCodeObject *code, PyFrameObject *frame)
{
    if (!(code->co_flags & CO_OPTIMIZED)) {
        return add_locals_values(self, s, (PyObject *)frame);
    }
    int flags = code->co_flags;
    Py_ssize_t arguments = code->co_argcount + code->co_kwonlyargcount
        + ((flags & CO_VARARGS) ? 1 : 0) + ((flags & CO_VARKEYWORDS) ? 1 : 0);
    Py_ssize_t total = code->co_nlocalsplus;
    Py_ssize_t free_from = total - code->co_nfreevars;
    PyObject *names = code->co_localsplusnames;
    Py_ssize_t count_at = s->count;
    if (slots_add(s, Py_NewRef(Py_None)) < 0) {
        return -1;
    }
    Py_ssize_t n = 0;
    for (Py_ssize_t i = 0; i < total; i++) {
        if (i == arguments && i < free_from) {
            i = free_from;
            if (i >= total) {
                break;
            }
        }
        PyObject *value = PyFrame_GetVar(frame, PyTuple_GET_ITEM(names, i));
        if (value == NULL) {
            if (!PyErr_ExceptionMatches(PyExc_NameError)) {
                return -1;
            }
            PyErr_Clear();  /* not bound: f_locals leaves it out */
            continue;
        }
        PyObject *kept = kept_value(self, value);
        Py_DECREF(value);
        if (slots_add(s, kept) < 0) {
            return -1;
        }
        n++;
    }
    PyObject *count = PyLong_FromSsize_t(n);
    if (count == NULL) {
        return -1;
    }
    Py_SETREF(s->slots[count_at], count);
    return 0;
}
#endif

static int
add_task(Recorder *self, Slots *s, PyCodeObject *code)
{
    if (!self->tasks || !(code->co_flags & ASYNC_FLAGS)) {
        return 0;
    }
    return slots_add(s, PyObject_CallNoArgs(self->current_task));
}

/* A failure inside a callback must not reach the traced program: the record is lost,
 * the program goes on. (The Python functions would raise; none of these can fail but
 * for memory.) */
static PyObject *
swallowed(Slots *s)
{
    slots_clear(s);
    PyErr_Clear();
    Py_RETURN_NONE;
}

/* -- sys.monitoring callbacks (3.12+) ------------------------------------------------- */

#define OTHER_THREAD(self) \
    ((self)->check_thread && PyThread_get_thread_ident() != (self)->thread)

static PyObject *
record_call(Recorder *self, PyCodeObject *code, PyObject *frame, int task)
{
    if (self->detail == MINIMAL && !self->with_thread
        && !(task && self->tasks && (code->co_flags & ASYNC_FLAGS))) {
        /* ``code, t``: nothing between the two appends can run Python code */
        PyObject *t = now(self);
        if (t == NULL || PyList_Append(self->buffer, (PyObject *)code) < 0) {
            Py_XDECREF(t);
            PyErr_Clear();
            Py_RETURN_NONE;
        }
        if (append_new(self, t) < 0) {
            PyErr_Clear();
        }
        Py_RETURN_NONE;
    }
    Slots s;
    slots_init(&s);
    if (slots_add(&s, Py_NewRef((PyObject *)code)) < 0 || slots_add(&s, now(self)) < 0
        || add_thread(self, &s) < 0) {
        return swallowed(&s);
    }
    if (self->detail == STANDARD) {
#if PY_VERSION_HEX >= 0x030C0000
        PyFrameObject *f = (PyFrameObject *)frame;
        if (f == NULL) {
            f = PyEval_GetFrame();  /* borrowed: the frame of the call starting */
        }
        Py_ssize_t before = s.count;
        if (f == NULL || add_arguments(self, &s, code, f) < 0) {
            if (arguments_unknown(&s, before) < 0) {
                return swallowed(&s);
            }
        }
#else
        Py_ssize_t before = s.count;
        if (frame == NULL || add_locals_values(self, &s, frame) < 0) {
            if (arguments_unknown(&s, before) < 0) {
                return swallowed(&s);
            }
        }
#endif
    }
    if (task && add_task(self, &s, code) < 0) {
        return swallowed(&s);
    }
    if (slots_flush(self, &s) < 0) {
        PyErr_Clear();
    }
    Py_RETURN_NONE;
}

/* Are these the arguments of ``signature``: ``count`` of them, a code object first when
 * ``code_first``? Raises TypeError naming the signature if not. */
static int
arguments_ok(Recorder *self, PyObject *const *args, Py_ssize_t nargs, Py_ssize_t count,
             int code_first, const char *signature)
{
    if (self->buffer == NULL) {
        PyErr_SetString(PyExc_TypeError, "this Recorder was not initialised (Recorder(...))");
        return 0;
    }
    if (nargs == count && (!code_first || PyCode_Check(args[0]))) {
        return 1;
    }
    PyErr_Format(PyExc_TypeError, "Recorder.%s: wrong arguments", signature);
    return 0;
}

/* The settrace functions need what only a Recorder made for settrace has. */
static int
settrace_ok(Recorder *self)
{
    if (self->local != NULL) {
        return 1;
    }
    PyErr_SetString(PyExc_TypeError,
                    self->buffer == NULL
                        ? "this Recorder was not initialised (Recorder(...))"
                        : "this Recorder was made for sys.monitoring: it has no settrace "
                          "functions (make one with kept=, rejected=, ...)");
    return 0;
}

/* on_start(code, offset) */
static PyObject *
Recorder_on_start(Recorder *self, PyObject *const *args, Py_ssize_t nargs)
{
    if (!arguments_ok(self, args, nargs, 2, 1, "on_start(code, offset)")) {
        return NULL;
    }
    if (OTHER_THREAD(self)) {
        Py_RETURN_NONE;
    }
    PyCodeObject *code = (PyCodeObject *)args[0];
    /* a coroutine's PY_START is never at offset 0 (it begins with RETURN_GENERATOR) */
    int task = self->tasks && PyObject_IsTrue(args[1]) == 1;
    return record_call(self, code, NULL, task);
}

/* enter_found(code, frame): a call discovered after it started */
static PyObject *
Recorder_enter_found(Recorder *self, PyObject *const *args, Py_ssize_t nargs)
{
    if (!arguments_ok(self, args, nargs, 2, 1, "enter_found(code, frame)")) {
        return NULL;
    }
    if (OTHER_THREAD(self)) {
        Py_RETURN_NONE;
    }
    return record_call(self, (PyCodeObject *)args[0], args[1], 1);
}

/* on_resume(code, offset) */
static PyObject *
Recorder_on_resume(Recorder *self, PyObject *const *args, Py_ssize_t nargs)
{
    if (!arguments_ok(self, args, nargs, 2, 1, "on_resume(code, offset)")) {
        return NULL;
    }
    if (OTHER_THREAD(self)) {
        Py_RETURN_NONE;
    }
    PyCodeObject *code = (PyCodeObject *)args[0];
    Slots s;
    slots_init(&s);
    if (slots_add(&s, Py_NewRef(self->resume_marker)) < 0
        || slots_add(&s, Py_NewRef((PyObject *)code)) < 0 || slots_add(&s, now(self)) < 0
        || add_thread(self, &s) < 0 || add_task(self, &s, code) < 0) {
        return swallowed(&s);
    }
    if (slots_flush(self, &s) < 0) {
        PyErr_Clear();
    }
    Py_RETURN_NONE;
}

static int
add_value(Recorder *self, Slots *s, PyObject *value)
{
    if (self->detail != STANDARD) {
        return 0;
    }
    return slots_add(s, kept_value(self, value));
}

/* on_return(code, offset, value) */
static PyObject *
Recorder_on_return(Recorder *self, PyObject *const *args, Py_ssize_t nargs)
{
    if (!arguments_ok(self, args, nargs, 3, 0, "on_return(code, offset, value)")) {
        return NULL;
    }
    if (OTHER_THREAD(self)) {
        Py_RETURN_NONE;
    }
    if (self->detail == MINIMAL && !self->with_thread) {
        if (append_new(self, now_negated(self)) < 0) {
            PyErr_Clear();
        }
        Py_RETURN_NONE;
    }
    Slots s;
    slots_init(&s);
    if (slots_add(&s, now_negated(self)) < 0 || add_thread(self, &s) < 0
        || add_value(self, &s, args[2]) < 0) {
        return swallowed(&s);
    }
    if (slots_flush(self, &s) < 0) {
        PyErr_Clear();
    }
    Py_RETURN_NONE;
}

/* on_yield(code, offset, value) */
static PyObject *
Recorder_on_yield(Recorder *self, PyObject *const *args, Py_ssize_t nargs)
{
    if (!arguments_ok(self, args, nargs, 3, 1, "on_yield(code, offset, value)")) {
        return NULL;
    }
    if (OTHER_THREAD(self)) {
        Py_RETURN_NONE;
    }
    Slots s;
    slots_init(&s);
    if (slots_add(&s, Py_NewRef(self->yield_marker)) < 0
        || slots_add(&s, Py_NewRef(args[0])) < 0 || slots_add(&s, now(self)) < 0
        || add_thread(self, &s) < 0 || add_value(self, &s, args[2]) < 0) {
        return swallowed(&s);
    }
    if (slots_flush(self, &s) < 0) {
        PyErr_Clear();
    }
    Py_RETURN_NONE;
}

/* -- sys.settrace functions ---------------------------------------------------------------- */

static int
is_return(PyObject *event)
{
    if (event == str_return) {
        return 1;
    }
    return PyUnicode_Check(event) && PyUnicode_Compare(event, str_return) == 0;
}

/* The global trace function's work for a "call" event: the local trace function, or
 * None. */
static PyObject *
trace_call(Recorder *self, PyFrameObject *frame)
{
    PyCodeObject *code = PyFrame_GetCode(frame);
    PyObject *filename = code->co_filename;
    int found = PySet_Contains(self->rejected, filename);
    if (found != 0) {
        Py_DECREF(code);
        if (found < 0) {
            return NULL;
        }
        Py_RETURN_NONE;
    }
    found = PySet_Contains(self->kept, filename);
    if (found <= 0) {
        Py_DECREF(code);
        if (found < 0) {
            return NULL;
        }
        return PyObject_CallOneArg(self->classify, (PyObject *)frame);
    }
    if (code->co_flags & SUSPENDABLE_FLAGS) {
        PyObject *local = PyObject_CallFunctionObjArgs(
            self->enter, (PyObject *)frame, (PyObject *)code, NULL);
        Py_DECREF(code);
        return local;
    }
    if (PyObject_SetAttr((PyObject *)frame, str_f_trace_lines, Py_False) < 0) {
        Py_DECREF(code);
        return NULL;
    }
    Slots s;
    slots_init(&s);
    int failed = slots_add(&s, (PyObject *)code) < 0  /* the reference moves */
        || slots_add(&s, now(self)) < 0 || add_thread(self, &s) < 0
        || (self->detail == STANDARD && add_locals_values(self, &s, (PyObject *)frame) < 0);
    if (failed) {
        slots_clear(&s);
        PyErr_Clear();
        Py_RETURN_NONE;
    }
    if (slots_flush(self, &s) < 0) {
        PyErr_Clear();
    }
    return Py_NewRef(self->local);
}

/* trace_call(frame, event, arg): the global trace function */
static PyObject *
Recorder_trace_call(Recorder *self, PyObject *const *args, Py_ssize_t nargs)
{
    if (!settrace_ok(self)) {
        return NULL;
    }
    if (nargs != 3 || !PyFrame_Check(args[0])) {
        PyErr_SetString(PyExc_TypeError, "Recorder.trace_call(frame, event, arg): wrong arguments");
        return NULL;
    }
    return trace_call(self, (PyFrameObject *)args[0]);
}

/* The recorder is a global trace function too (sys.settrace(recorder) works), for tools
 * that put back what sys.gettrace() gave them while install() was in effect. */
static PyObject *
Recorder_call(Recorder *self, PyObject *args, PyObject *kwargs)
{
    PyObject *frame, *event, *arg;
    if (!settrace_ok(self)) {
        return NULL;
    }
    if (!PyArg_ParseTuple(args, "O!OO:Recorder", &PyFrame_Type, &frame, &event, &arg)) {
        return NULL;
    }
    return trace_call(self, (PyFrameObject *)frame);
}

static PyObject *trace_return(Recorder *self, PyObject *frame, PyObject *value);

/* trace_local(frame, event, arg): the local trace function of plain traced calls */
static PyObject *
Recorder_trace_local(Recorder *self, PyObject *const *args, Py_ssize_t nargs)
{
    if (!settrace_ok(self)
        || !arguments_ok(self, args, nargs, 3, 0, "trace_local(frame, event, arg)")) {
        return NULL;
    }
    if (!is_return(args[1])) {
        return PyObject_Vectorcall(self->local_py, args, nargs, NULL);
    }
    return trace_return(self, args[0], args[2]);
}

/* The local trace function's work for a "return" event. */
static PyObject *
trace_return(Recorder *self, PyObject *frame, PyObject *value)
{
    double seconds = now_seconds(self);
    if (seconds == -1.0 && PyErr_Occurred()) {
        PyErr_Clear();
        Py_RETURN_NONE;
    }
    if (PyDict_GET_SIZE(self->pending)) {
        int found = PyDict_Contains(self->pending, frame);
        if (found != 0) {
            PyObject *t = found < 0 ? NULL : PyFloat_FromDouble(seconds);
            PyObject *result = t == NULL ? NULL
                : PyObject_CallFunctionObjArgs(self->exit_slow, frame, value, t, NULL);
            Py_XDECREF(t);
            if (result == NULL) {
                return NULL;
            }
            Py_DECREF(result);
            Py_RETURN_NONE;
        }
    }
    Slots s;
    slots_init(&s);
    if (slots_add(&s, PyFloat_FromDouble(-seconds)) < 0 || add_thread(self, &s) < 0
        || add_value(self, &s, value) < 0) {
        return swallowed(&s);
    }
    if (slots_flush(self, &s) < 0) {
        PyErr_Clear();
    }
    Py_RETURN_NONE;
}

#if PY_VERSION_HEX < 0x030B0000
/* -- 3.10: the recorder as a C-level trace function (PyEval_SetTrace) -------------------------
 *
 * sys.settrace installs a trampoline that copies every frame's fast locals into a dict
 * before each call of the trace function and back after it; on 3.10 that costs more than
 * the whole recording. Installed with install(), the recorder gets the events directly
 * and does what the trampoline does otherwise: the global function for "call" events,
 * frame.f_trace for the others, the result kept as the frame's local trace function.
 */
static PyObject *whatstrings[8];

static int
raw_trace(PyObject *obj, PyFrameObject *frame, int what, PyObject *arg)
{
    Recorder *self = (Recorder *)obj;
    PyObject *result;
    if (what == PyTrace_CALL) {
        result = trace_call(self, frame);
    }
    else {
        PyObject *callback = frame->f_trace;
        if (callback == NULL) {
            return 0;
        }
        if (arg == NULL) {
            arg = Py_None;
        }
        if (callback == self->local && what == PyTrace_RETURN) {
            result = trace_return(self, (PyObject *)frame, arg);
        }
        else {
            PyObject *stack[3] = {(PyObject *)frame, whatstrings[what], arg};
            Py_INCREF(callback);  /* the call may replace frame.f_trace */
            result = PyObject_Vectorcall(callback, stack, 3, NULL);
            Py_DECREF(callback);
        }
    }
    if (result == NULL) {
        PyEval_SetTrace(NULL, NULL);
        Py_CLEAR(frame->f_trace);
        return -1;
    }
    if (result != Py_None) {
        Py_XSETREF(frame->f_trace, result);
    }
    else {
        Py_DECREF(result);
    }
    return 0;
}

/* install(): this thread's C-level trace function becomes the recorder */
static PyObject *
Recorder_install(Recorder *self, PyObject *Py_UNUSED(ignored))
{
    if (!settrace_ok(self)) {
        return NULL;
    }
    PyEval_SetTrace(raw_trace, (PyObject *)self);
    Py_RETURN_NONE;
}
#endif

/* -- the type --------------------------------------------------------------------------------- */

static int
Recorder_init(Recorder *self, PyObject *args, PyObject *kwargs)
{
    static char *keywords[] = {
        "buffer", "atomic", "current_task", "perf_counter", "thread", "check_thread",
        "with_thread", "detail", "tasks", "c_clock", "resume", "yield_", "kept",
        "rejected", "classify", "enter", "local", "exit_slow", "pending", NULL,
    };
    PyObject *buffer = NULL, *atomic = NULL, *current_task = NULL, *perf_counter = NULL;
    PyObject *resume = NULL, *yield_ = NULL;
    PyObject *kept = Py_None, *rejected = Py_None, *classify = Py_None, *enter = Py_None;
    PyObject *local = Py_None, *exit_slow = Py_None, *pending = Py_None;
    unsigned long thread = 0;
    int check_thread = 0, with_thread = 0, tasks = 0, c_clock = 0;
    const char *detail = NULL;
    if (!PyArg_ParseTupleAndKeywords(
            args, kwargs, "|$O!O!OOkppsppOOOOOOOOO", keywords, &PyList_Type, &buffer,
            &PyFrozenSet_Type, &atomic, &current_task, &perf_counter, &thread, &check_thread,
            &with_thread, &detail, &tasks, &c_clock, &resume, &yield_, &kept, &rejected,
            &classify, &enter, &local, &exit_slow, &pending)) {
        return -1;
    }
    if (!buffer || !atomic || !current_task || !perf_counter || !resume || !yield_ || !detail) {
        PyErr_SetString(PyExc_TypeError,
                        "Recorder() needs buffer, atomic, current_task, perf_counter, thread, "
                        "check_thread, with_thread, detail, tasks, c_clock, resume and yield_");
        return -1;
    }
    if (strcmp(detail, "minimal") == 0) {
        self->detail = MINIMAL;
    }
    else if (strcmp(detail, "standard") == 0) {
        self->detail = STANDARD;
    }
    else {
        PyErr_Format(PyExc_ValueError,
                     "the C recorder records the minimal and standard detail levels, not '%s'",
                     detail);
        return -1;
    }
    int settrace = kept != Py_None;
    if (settrace && !(PySet_Check(kept) && PySet_Check(rejected) && PyDict_Check(pending)
                      && PyCallable_Check(classify) && PyCallable_Check(enter)
                      && PyCallable_Check(local) && PyCallable_Check(exit_slow))) {
        PyErr_SetString(PyExc_TypeError,
                        "settrace recording needs kept and rejected sets, a pending dict and "
                        "the classify, enter, local and exit_slow functions");
        return -1;
    }
    Py_XSETREF(self->buffer, Py_NewRef(buffer));
    Py_XSETREF(self->atomic, Py_NewRef(atomic));
    Py_XSETREF(self->current_task, Py_NewRef(current_task));
    Py_XSETREF(self->perf_counter, Py_NewRef(perf_counter));
    Py_XSETREF(self->resume_marker, Py_NewRef(resume));
    Py_XSETREF(self->yield_marker, Py_NewRef(yield_));
    Py_XSETREF(self->kept, Py_NewRef(kept));
    Py_XSETREF(self->rejected, Py_NewRef(rejected));
    Py_XSETREF(self->classify, Py_NewRef(classify));
    Py_XSETREF(self->enter, Py_NewRef(enter));
    Py_XSETREF(self->local_py, Py_NewRef(local));
    Py_XSETREF(self->exit_slow, Py_NewRef(exit_slow));
    Py_XSETREF(self->pending, Py_NewRef(pending));
    Py_CLEAR(self->local);
    if (settrace) {
        self->local = PyObject_GetAttrString((PyObject *)self, "trace_local");
        if (self->local == NULL) {
            return -1;
        }
    }
    self->thread = thread;
    self->check_thread = check_thread;
    self->with_thread = with_thread;
    self->tasks = tasks;
    self->c_clock = c_clock;
    return 0;
}

static int
Recorder_traverse(Recorder *self, visitproc visit, void *arg)
{
    Py_VISIT(self->buffer);
    Py_VISIT(self->atomic);
    Py_VISIT(self->current_task);
    Py_VISIT(self->perf_counter);
    Py_VISIT(self->kept);
    Py_VISIT(self->rejected);
    Py_VISIT(self->classify);
    Py_VISIT(self->enter);
    Py_VISIT(self->local_py);
    Py_VISIT(self->exit_slow);
    Py_VISIT(self->pending);
    Py_VISIT(self->local);
    Py_VISIT(self->resume_marker);
    Py_VISIT(self->yield_marker);
    return 0;
}

static int
Recorder_clear(Recorder *self)
{
    Py_CLEAR(self->buffer);
    Py_CLEAR(self->atomic);
    Py_CLEAR(self->current_task);
    Py_CLEAR(self->perf_counter);
    Py_CLEAR(self->kept);
    Py_CLEAR(self->rejected);
    Py_CLEAR(self->classify);
    Py_CLEAR(self->enter);
    Py_CLEAR(self->local_py);
    Py_CLEAR(self->exit_slow);
    Py_CLEAR(self->pending);
    Py_CLEAR(self->local);
    Py_CLEAR(self->resume_marker);
    Py_CLEAR(self->yield_marker);
    return 0;
}

static void
Recorder_dealloc(Recorder *self)
{
    PyObject_GC_UnTrack(self);
    Recorder_clear(self);
    Py_TYPE(self)->tp_free((PyObject *)self);
}

static PyMethodDef Recorder_methods[] = {
    {"on_start", (PyCFunction)(void (*)(void))Recorder_on_start, METH_FASTCALL,
     "sys.monitoring PY_START: record a call."},
    {"enter_found", (PyCFunction)(void (*)(void))Recorder_enter_found, METH_FASTCALL,
     "Record a call found by discovery after it started."},
    {"on_resume", (PyCFunction)(void (*)(void))Recorder_on_resume, METH_FASTCALL,
     "sys.monitoring PY_RESUME: record a generator or coroutine resuming."},
    {"on_return", (PyCFunction)(void (*)(void))Recorder_on_return, METH_FASTCALL,
     "sys.monitoring PY_RETURN: record a return."},
    {"on_yield", (PyCFunction)(void (*)(void))Recorder_on_yield, METH_FASTCALL,
     "sys.monitoring PY_YIELD: record a suspension."},
    {"trace_call", (PyCFunction)(void (*)(void))Recorder_trace_call, METH_FASTCALL,
     "The global sys.settrace function."},
    {"trace_local", (PyCFunction)(void (*)(void))Recorder_trace_local, METH_FASTCALL,
     "The local sys.settrace function of plain traced calls."},
#if PY_VERSION_HEX < 0x030B0000
    {"install", (PyCFunction)Recorder_install, METH_NOARGS,
     "Make this recorder the thread's C-level trace function (3.10 only)."},
#endif
    {NULL, NULL, 0, NULL},
};

static PyTypeObject RecorderType = {
    PyVarObject_HEAD_INIT(NULL, 0)
    .tp_name = "snapy_trace._speedups.Recorder",
    .tp_doc = "Writes trace records into a buffer, as the generated Python functions do.",
    .tp_basicsize = sizeof(Recorder),
    .tp_flags = Py_TPFLAGS_DEFAULT | Py_TPFLAGS_HAVE_GC,
    .tp_new = PyType_GenericNew,
    .tp_init = (initproc)Recorder_init,
    .tp_dealloc = (destructor)Recorder_dealloc,
    .tp_traverse = (traverseproc)Recorder_traverse,
    .tp_clear = (inquiry)Recorder_clear,
    .tp_methods = Recorder_methods,
    .tp_call = (ternaryfunc)Recorder_call,
};

static PyMethodDef speedups_functions[] = {
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef speedups_module = {
    PyModuleDef_HEAD_INIT,
    "snapy_trace._speedups",
    "The recording hot path of snapy-trace, in C.",
    -1,
    speedups_functions,
};

PyMODINIT_FUNC
PyInit__speedups(void)
{
    str_return = PyUnicode_InternFromString("return");
    str_f_locals = PyUnicode_InternFromString("f_locals");
    str_f_trace_lines = PyUnicode_InternFromString("f_trace_lines");
    str_values = PyUnicode_InternFromString("values");
    if (!str_return || !str_f_locals || !str_f_trace_lines || !str_values) {
        return NULL;
    }
    if (PyType_Ready(&RecorderType) < 0) {
        return NULL;
    }
#if PY_VERSION_HEX < 0x030B0000
    static const char *names[8] = {
        "call", "exception", "line", "return", "c_call", "c_exception", "c_return", "opcode",
    };
    for (int i = 0; i < 8; i++) {
        whatstrings[i] = PyUnicode_InternFromString(names[i]);
        if (whatstrings[i] == NULL) {
            return NULL;
        }
    }
#endif
    PyObject *module = PyModule_Create(&speedups_module);
    if (module == NULL) {
        return NULL;
    }
    if (PyModule_AddObjectRef(module, "Recorder", (PyObject *)&RecorderType) < 0) {
        Py_DECREF(module);
        return NULL;
    }
    return module;
}
