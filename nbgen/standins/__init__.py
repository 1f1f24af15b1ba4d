"""Stand-ins for what only Colab has, for `nbgen run` and the tests.

``nbgen/standins`` goes on a kernel's ``sys.path`` (never into site-packages); ``google`` here
is a namespace package, so the real ``google.protobuf`` and friends still import. Each function
has the real one's signature and raises the real exception types.
"""
