# envy interpreter probe: prints one JSON object describing this interpreter.
# Kept free of f-strings so old interpreters can at least report themselves.
import json
import os
import platform
import struct
import sys
import sysconfig


def glibc():
    try:
        v = os.confstr("CS_GNU_LIBC_VERSION")
    except (AttributeError, OSError, ValueError):
        return None
    if not v:
        return None
    parts = v.split()
    if len(parts) != 2 or parts[0] != "glibc":
        return None
    try:
        nums = parts[1].split(".")
        return [int(nums[0]), int(nums[1])]
    except (ValueError, IndexError):
        return None


def musl():
    if not sys.platform.startswith("linux"):
        return None
    import glob
    import re
    import subprocess

    for ld in sorted(glob.glob("/lib/ld-musl-*.so.1")):
        try:
            p = subprocess.Popen([ld], stdout=subprocess.PIPE, stderr=subprocess.PIPE)
            _, err = p.communicate()
        except OSError:
            continue
        m = re.search(r"Version (\d+)\.(\d+)", err.decode("utf-8", "replace"))
        if m:
            return [int(m.group(1)), int(m.group(2))]
    return None


def fmt_version(info):
    v = "%d.%d.%d" % (info[0], info[1], info[2])
    if info[3] != "final":
        v += info[3][0] + str(info[4])
    return v


def base_executable():
    exe = getattr(sys, "_base_executable", None) or sys.executable
    exe = os.path.realpath(exe)
    if sys.prefix != sys.base_prefix and exe.startswith(os.path.realpath(sys.prefix) + os.sep):
        # An old venv python reports itself; look in the base prefix instead.
        name = "python%d.%d" % sys.version_info[:2]
        for d in ("bin", ""):
            cand = os.path.join(sys.base_prefix, d, name)
            if os.path.exists(cand):
                return os.path.realpath(cand)
    return exe


def purelib_rel():
    names = sysconfig.get_scheme_names()
    if "venv" in names:
        scheme = "venv"
    elif os.name == "nt":
        scheme = "nt"
    else:
        scheme = "posix_prefix"
    marker = "@ENVY_BASE@"
    v = {"base": marker, "platbase": marker, "installed_base": marker, "installed_platbase": marker}
    path = sysconfig.get_paths(scheme=scheme, vars=v)["purelib"]
    return path[len(marker):].lstrip("/\\")


glibc_version = glibc() if sys.platform.startswith("linux") else None
plat = sysconfig.get_platform().replace("-", "_").replace(".", "_")
is32 = struct.calcsize("P") == 4
if is32 and plat == "linux_x86_64":
    plat = "linux_i686"
elif is32 and plat == "linux_aarch64":
    plat = "linux_armv8l"

print(json.dumps({
    "markers": {
        "implementation_name": sys.implementation.name,
        "implementation_version": fmt_version(sys.implementation.version),
        "os_name": os.name,
        "platform_machine": platform.machine(),
        "platform_python_implementation": platform.python_implementation(),
        "platform_release": platform.release(),
        "platform_system": platform.system(),
        "platform_version": platform.version(),
        "python_full_version": platform.python_version(),
        "python_version": ".".join(platform.python_version_tuple()[:2]),
        "sys_platform": sys.platform,
    },
    "version_info": list(sys.version_info[:3]),
    "base_prefix": sys.base_prefix,
    "prefix": sys.prefix,
    "executable": base_executable(),
    "sys_executable": sys.executable,
    "platform": plat,
    "glibc": glibc_version,
    "musl": musl() if (glibc_version is None and sys.platform.startswith("linux")) else None,
    "mac_version": platform.mac_ver()[0] if sys.platform == "darwin" else None,
    "soabi": sysconfig.get_config_var("SOABI"),
    "ext_suffix": sysconfig.get_config_var("EXT_SUFFIX"),
    "gil_disabled": sysconfig.get_config_var("Py_GIL_DISABLED") == 1,
    "pointer_bits": struct.calcsize("P") * 8,
    "purelib": purelib_rel(),
}))
