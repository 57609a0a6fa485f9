"""The command line a run records in its results and evidence: as given, minus what does not change the result."""

from __future__ import annotations

from collections.abc import Collection
from typing import Any

import typer


def command_line(ctx: typer.Context, *, leave_out: Collection[str] = ()) -> list[str]:
    """`conformance <command> ARGS --option value ...` with defaults left out.

    It holds no secret: secrets only ever come from files and the environment, never from options.
    `leave_out` names parameters that cannot change the result (workers, progress), so the same
    check gives the same results document however it was run.
    """
    words = ["conformance", ctx.info_name or ""]
    for param in ctx.command.params:
        name = param.name or ""
        value: Any = ctx.params.get(name)
        if name in leave_out:
            continue
        if param.param_type_name == "argument":
            words += [str(v) for v in value] if isinstance(value, list | tuple) else [str(value)]
        elif value is not None and value != param.default and value not in ([], ()):
            flag = param.opts[0]
            if isinstance(value, bool):
                words.append(flag)
            else:
                words += [w for v in (value if isinstance(value, list | tuple) else [value]) for w in (flag, str(v))]
    return words
