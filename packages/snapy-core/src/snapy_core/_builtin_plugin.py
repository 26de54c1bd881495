"""snapy-core's own plugin, registered before any other.

It implements no hooks today: snapy-core's filters and configuration are used directly.
It is registered so that ``plugin_infos()`` and ``snapy doctor`` show the core as the
first plugin, and so that core-provided hook implementations have a home.
"""
