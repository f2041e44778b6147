"""torchrun for torch builds whose launcher stops before starting a rank on Python 3.11+.

  python3 launch.py [torchrun's arguments] train.py [train.py's arguments]

runs torch's own launcher (torch.distributed.run: the elastic agent, c10d rendezvous, restarts)
exactly as `torchrun` does. Where plain `torchrun` works, use it; this file only exists for the
builds where it does not.

The one fix: torch 1.13's Std.from_str (the parser of --redirects and --tee, default "0") finds
the flag by iterating over the Std IntFlag. Since Python 3.11 iterating a flag class yields only
its single-bit members, so NONE (0) and ALL (3) are never found, from_str returns None, and the
agent fails in to_map ("'NoneType' object has no attribute 'get'"). It is replaced, only when
broken, by a parser of the same grammar that converts by value.
"""
import re

import torch.distributed.run as torch_run
from torch.distributed.elastic.multiprocessing.api import Std


def parse_std(text):
    """'N' -> Std(N) for every rank; 'i:N,j:M' -> {local rank: Std} (N in 0..3)."""
    text = text.strip()
    if re.fullmatch(r"[0-3]", text):
        return Std(int(text))
    if re.fullmatch(r"\d+:[0-3](,\d+:[0-3])*", text):
        return {int(rank): Std(int(value)) for rank, value in (pair.split(":") for pair in text.split(","))}
    raise ValueError(f"{text!r} is neither a stream number 0..3 nor a list rank:number,rank:number")


def std_parser_is_broken():
    try:
        return Std.from_str("0") is not Std.NONE or Std.from_str("3") is not Std.ALL
    except ValueError:
        return True


if __name__ == "__main__":
    if std_parser_is_broken():
        Std.from_str = staticmethod(parse_std)
    torch_run.main()
