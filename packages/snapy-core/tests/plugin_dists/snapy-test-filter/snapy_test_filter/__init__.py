"""A custom snapy filter plugin: never store arguments called ``internal_note``."""

from snapy_core import hookimpl


def drop_internal_notes(arg_name, arg_value):
    return arg_name != "internal_note"


@hookimpl
def snapy_register_filters(register):
    register(drop_internal_notes)
