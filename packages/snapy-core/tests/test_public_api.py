import snapy_core


def test_all_is_sorted_and_importable():
    for name in snapy_core.__all__:
        assert hasattr(snapy_core, name), name
