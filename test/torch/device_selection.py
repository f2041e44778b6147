"""The torch engine's device choice (device.py) with torch's availability answers replaced: the
order CUDA > MPS > CPU, an explicit --device, clear errors for a device that is not there, and
torch builds without torch.backends.mps. Run by device.test.ts with the engine folder as argv[1];
prints one JSON line naming each case checked, or exits non-zero with the failed assertion."""
import json
import sys
import types

sys.path.insert(0, sys.argv[1])
from device import device_kind, mps_available  # noqa: E402

checked = []


def fails(message_part, *args):
    try:
        device_kind(*args)
    except ValueError as error:
        assert message_part in str(error), str(error)
        return
    raise AssertionError(f"device_kind{args} did not fail")


assert device_kind(None, cuda=True, mps=True) == "cuda"
assert device_kind(None, cuda=False, mps=True) == "mps"
assert device_kind(None, cuda=False, mps=False) == "cpu"
checked.append("default order: cuda, then mps, then cpu")

assert device_kind("cpu", cuda=True, mps=True) == "cpu"
assert device_kind("mps", cuda=True, mps=True) == "mps"
assert device_kind("cuda", cuda=True, mps=False, world=4) == "cuda"
fails("no CUDA", "cuda", False, True)
fails("no MPS", "mps", True, False)
fails("expected one of", "tpu", False, False)
checked.append("an explicit device is used when present, a clear error otherwise")

assert device_kind(None, cuda=False, mps=True, world=1) == "mps"
fails("use 1 process", None, False, True, 2)
assert device_kind(None, cuda=False, mps=False, world=2) == "cpu"  # gloo on the CPU
checked.append("several processes: not on MPS")


def backends(**attributes):
    return types.SimpleNamespace(**attributes)


assert mps_available(backends()) is False  # torch < 1.12: no torch.backends.mps
assert mps_available(backends(mps=types.SimpleNamespace(is_available=lambda: False))) is False
assert mps_available(backends(mps=types.SimpleNamespace(is_available=lambda: True))) is True
assert mps_available() in (True, False)  # the real torch answers without raising
checked.append("mps_available: guarded for builds without torch.backends.mps")

print(json.dumps({"checked": checked}))
