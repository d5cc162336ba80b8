# envy's PEP 517 hook driver. Run by envy with the build environment's python,
# cwd = the source tree:
#   python driver.py BACKEND BACKEND_PATH_JSON HOOK ARGS_JSON RESULT_FILE
# The backend's stdout is sent to stderr so envy captures one stream in order.
# The result goes to RESULT_FILE as JSON: {"result": ...}, {"missing": true}
# (the backend does not define the optional hook) or {"unavailable": "..."}.
import importlib
import json
import os
import sys
import traceback


def _write(path, value):
    with open(path, "w", encoding="utf-8") as f:
        json.dump(value, f)


def main():
    backend_spec, backend_path, hook, args, result_file = sys.argv[1:6]
    os.dup2(2, 1)
    sys.stdout = sys.stderr
    backend_path = [os.path.abspath(p) for p in json.loads(backend_path)]
    # PEP 517: backend-path entries go first on sys.path.
    for p in reversed(backend_path):
        sys.path.insert(0, p)
    module_name, _, attrs = backend_spec.partition(":")
    try:
        backend = importlib.import_module(module_name.strip())
    except ImportError:
        traceback.print_exc()
        _write(result_file, {"unavailable": "cannot import the build backend `%s`" % backend_spec})
        return 1
    if backend_path:
        # PEP 517: an in-tree backend must be loaded from backend-path.
        where = os.path.abspath(getattr(backend, "__file__", "") or "")
        if not any(where == p or where.startswith(p + os.sep) for p in backend_path):
            _write(result_file, {"unavailable": "the backend `%s` was not loaded from `backend-path` (%s)" % (backend_spec, where)})
            return 1
    for a in filter(None, attrs.strip().split(".")):
        backend = getattr(backend, a)
    fn = getattr(backend, hook, None)
    if fn is None:
        _write(result_file, {"missing": True})
        return 0
    result = fn(*json.loads(args))
    _write(result_file, {"result": result})
    return 0


if __name__ == "__main__":
    sys.exit(main())
