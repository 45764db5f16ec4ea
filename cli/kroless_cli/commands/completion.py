"""``kroless completion bash|zsh``: a shell completion script made from the argument parser itself, so it
knows every verb, flag and choice there is (zsh loads the bash script through bashcompinit, as kubectl's
users do with `source <(kroless completion zsh)`)."""

from __future__ import annotations

import argparse
import shlex
import sys

FILE_FLAGS = ("-f", "--filename", "--state-dir")


def add_parser(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    completion = commands.add_parser(
        "completion", help="shell completion: `source <(kroless completion bash)` (or zsh)"
    )
    completion.add_argument("shell", choices=["bash", "zsh"])


def _subcommands(parser: argparse.ArgumentParser) -> dict[str, argparse.ArgumentParser]:
    action = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
    return dict(action.choices)


def bash_script(parser: argparse.ArgumentParser) -> str:
    commands = _subcommands(parser)
    cases = []
    for name, command in commands.items():
        flags = [s for a in command._actions for s in a.option_strings]
        positional = [c for a in command._actions if not a.option_strings and a.choices for c in a.choices]
        values = [
            f"      {'|'.join(a.option_strings)}) COMPREPLY=($(compgen -W {shlex.quote(' '.join(map(str, a.choices)))} -- \"$cur\")); return;;"
            for a in command._actions
            if a.option_strings and a.choices
        ]
        cases.append(
            f"    {name})\n"
            f"      case \"$prev\" in\n" + "\n".join(values) + ("\n" if values else "")
            + f"      {'|'.join(FILE_FLAGS)}) COMPREPLY=($(compgen -f -- \"$cur\")); return;;\n"
            "      esac\n"
            f"      COMPREPLY=($(compgen -W {shlex.quote(' '.join(flags + positional))} -- \"$cur\"));;"
        )
    return (
        "# kroless shell completion: source <(kroless completion bash)\n"
        "_kroless() {\n"
        '  local cur="${COMP_WORDS[COMP_CWORD]}" prev="${COMP_WORDS[COMP_CWORD-1]}"\n'
        "  if [[ $COMP_CWORD -eq 1 ]]; then\n"
        f"    COMPREPLY=($(compgen -W {shlex.quote(' '.join(commands))} -- \"$cur\")); return\n"
        "  fi\n"
        '  case "${COMP_WORDS[1]}" in\n' + "\n".join(cases) + "\n  esac\n"
        "}\n"
        "complete -o default -F _kroless kroless\n"
    )


def completion(args: argparse.Namespace, parser: argparse.ArgumentParser) -> int:
    script = bash_script(parser)
    if args.shell == "zsh":
        script = "autoload -U +X compinit && compinit\nautoload -U +X bashcompinit && bashcompinit\n" + script
    sys.stdout.write(script)
    return 0
