"""The GitHub Docker action as the runner drives it: inputs in, the GITHUB_OUTPUT file read back."""

from __future__ import annotations

from gobaseline.action.inputs import INPUTS


def action_inputs(**values: str) -> dict[str, str]:
    """Every `INPUT_<NAME>` variable at its default, with `values` (snake_case names) laid over them."""
    env = {f"INPUT_{k.upper()}": v for k, v in INPUTS.items()}
    env.update({f"INPUT_{k.replace('_', '-').upper()}": v for k, v in values.items()})
    return env


def parse_outputs(text: str) -> dict[str, str]:
    """Parse a GITHUB_OUTPUT file (`name=value` lines and `name<<DELIM` blocks). Later values win."""
    values: dict[str, str] = {}
    lines = text.split("\n")
    i = 0
    while i < len(lines):
        line = lines[i]
        i += 1
        if "<<" in line and ("=" not in line or line.index("<<") < line.index("=")):
            name, delim = line.split("<<", 1)
            body = []
            while i < len(lines) and lines[i] != delim:
                body.append(lines[i])
                i += 1
            i += 1
            values[name] = "\n".join(body)
        elif "=" in line:
            name, value = line.split("=", 1)
            values[name] = value
    return values
