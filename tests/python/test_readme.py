"""The README is a contract: every `tracker …` command line it shows (the tour, the tables, the
prose, "Coming from MLflow") names subcommands and options that exist in that command's --help.
A documented option that does not exist fails here."""
import os
import re
import shutil
import subprocess
import tempfile

import pytest

ROOT = os.path.join(os.path.dirname(__file__), "..", "..")
TRACKER = os.environ.get("TRACKER_BIN") or os.path.join(ROOT, ".build", "debug", "tracker")
README = open(os.path.join(ROOT, "README.md"), encoding="utf-8").read()

_help_cache = {}
# --help must never touch a database; if one does, it touches this scratch one, not the user's.
_SCRATCH = tempfile.mkdtemp(prefix="tracker-readme-")
_ENV = dict(os.environ, TRACKER_DB=os.path.join(_SCRATCH, "tracker.db"))


def help_text(path):
    """`tracker PATH --help`, cached; fails the test if the command does not exist."""
    key = tuple(path)
    if key not in _help_cache:
        r = subprocess.run([TRACKER, *path, "--help"], capture_output=True, text=True, env=_ENV, cwd=_SCRATCH)
        assert r.returncode == 0, f"tracker {' '.join(path)} --help exited {r.returncode}: {r.stderr}"
        _help_cache[key] = r.stdout
    return _help_cache[key]


def subcommands(path):
    """Names listed under SUBCOMMANDS: in the help of PATH."""
    text = help_text(path)
    if "SUBCOMMANDS:" not in text:
        return set()
    section = text.split("SUBCOMMANDS:", 1)[1]
    return {m.group(1) for m in re.finditer(r"^  ([a-z][a-z0-9-]*)\b", section, re.M)}


def documented_commands():
    """Every command line the README shows, as (where, text)."""
    found = []
    for block in re.finditer(r"```(\w*)\n(.*?)```", README, re.S):
        lang, body = block.group(1), block.group(2)
        for line in body.splitlines():
            if lang == "console" and line.startswith("$ tracker "):
                found.append(("console block", line[2:]))
            elif lang == "sh" and line.startswith("tracker "):
                found.append(("sh block", line))
    prose = re.sub(r"```.*?```", "", README, flags=re.S)
    for m in re.finditer(r"`(tracker [^`]+)`", prose):
        found.append(("inline", m.group(1)))
    return found


def tokens(command):
    """Splits a documented command into words, dropping comments, placeholders and brackets."""
    command = command.split("  #")[0].split(" # ")[0]
    command = command.replace("\\|", "|")
    out = []
    for word in command.split():
        if word == "--":
            break  # run exec: what follows is the user's command
        out.append(word.strip("[]()."))
    return out


def command_path(command):
    """The subcommand path a documented command names, and the words after it."""
    words = tokens(command)
    assert words[0] == "tracker"
    path, rest = [], words[1:]
    while rest:
        subs = subcommands(path)
        if not subs:
            break
        alternatives = [w for w in rest[0].split("|") if w]
        if all(w in subs for w in alternatives):
            path.append(alternatives[0])
            rest = rest[1:]
            continue
        # A group with subcommands needs one; anything else is an argument of this command.
        if re.fullmatch(r"[a-z][a-z-]*", rest[0]) and "USAGE: tracker " + " ".join(path) + " <subcommand>" in help_text(path):
            pytest.fail(f"`{command}`: '{rest[0]}' is not a subcommand of 'tracker {' '.join(path)}' ({', '.join(sorted(subs))})")
        break
    return path, rest


def check(command):
    path, rest = command_path(command)
    text = help_text(path)
    for w in rest:
        for option in re.findall(r"(?<![\w-])(--[a-z][a-z0-9-]*)", w):
            assert re.search(re.escape(option) + r"(?![\w-])", text), f"`{command}`: tracker {' '.join(path)} has no option {option}"
    return path


COMMANDS = documented_commands()


def test_readme_shows_commands():
    # The tour, the tables and the MLflow section all show commands; if this drops, the parser broke.
    assert len(COMMANDS) > 40


@pytest.mark.parametrize("where,command", COMMANDS, ids=[c[1][:60] for c in COMMANDS])
def test_documented_command_exists(where, command):
    check(command)


def test_every_subcommand_is_documented():
    """The other direction: every leaf command of the CLI appears in the README."""
    documented = set()
    for _, c in COMMANDS:
        path = command_path(c)[0]
        documented.add(tuple(path))
        # `tracker log param|metric|tag …` documents all three.
        for word in tokens(c)[1 : len(path) + 1]:
            for alt in word.split("|"):
                documented.add(tuple(path[:-1] + [alt]))
    missing = []

    def walk(path):
        subs = subcommands(path)
        if not subs:
            if tuple(path) not in documented:
                missing.append(" ".join(path))
            return
        for s in sorted(subs):
            if s != "help":
                walk(path + [s])

    walk([])
    assert not missing, "commands missing from the README: " + ", ".join(missing)


# --- The tour runs -------------------------------------------------------------------------

HEX = re.compile(r"\b[0-9a-f]{6,32}\b")
ISO = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z")
DURATION = re.compile(r"\b(\d+\.\d+s|\d+m\d\ds|\d+h\d\dm)\b")


def normalise(line):
    """Ids, times and durations differ run to run; everything else must match."""
    line = ISO.sub("<time>", line)
    line = DURATION.sub("<duration>", line)
    line = HEX.sub("<id>", line)
    return " ".join(line.split())


def tour_steps():
    """The tour block as (command, shown output lines)."""
    block = re.search(r"## The tour\n.*?```console\n(.*?)```", README, re.S)
    assert block, "the README has no tour"
    steps = []
    for line in block.group(1).splitlines():
        if line.startswith("$ "):
            steps.append([line[2:].split("  #")[0].strip(), []])
        elif steps:
            steps[-1][1].append(line)
    return steps


def table_ids(lines):
    """NAME → RUN ID from a `run list` table (shown or printed)."""
    ids = {}
    for line in lines[1:]:
        cells = line.split()
        if len(cells) >= 2 and re.fullmatch(r"[0-9a-f]{6,32}", cells[0]):
            ids[cells[1]] = cells[0]
    return ids


def test_tour_runs_and_prints_what_the_readme_shows(tmp_path):
    """Runs every command of the tour in order on a scratch database; the output of each is the
    output the README shows under it (ids, times and durations aside). Ids the README shows in
    `run list` are mapped to the real ones by run name, so later commands can use them."""
    venv_bin = os.path.abspath(os.path.join(ROOT, ".venv", "bin"))
    env = dict(os.environ, TRACKER_DB=str(tmp_path / "tracker.db"), PATH=os.path.dirname(os.path.abspath(TRACKER)) + os.pathsep + venv_bin + os.pathsep + os.environ["PATH"])
    env.pop("TRACKER_EVENTS", None)
    env.pop("TRACKER_RUN_ID", None)
    cwd = str(tmp_path)
    shown_to_real = {}
    for command, shown in tour_steps():
        if command.startswith("cd "):
            # A copy of the repository's examples and clients, so the tour writes nothing here.
            for folder in ["examples", "clients"]:
                if not (tmp_path / folder).exists():
                    shutil.copytree(os.path.join(ROOT, folder), tmp_path / folder)
            cwd = os.path.normpath(os.path.join(str(tmp_path), command[3:].strip()))
            continue
        # A (prefix of a) run id the README showed stands for the real run of the same name.
        def real_id(m):
            matches = [real for shown, real in shown_to_real.items() if shown.startswith(m.group(0))]
            return matches[0] if len(matches) == 1 else m.group(0)

        command = HEX.sub(real_id, command)
        r = subprocess.run(command, shell=True, cwd=cwd, env=env, capture_output=True, text=True, timeout=300)
        assert r.returncode == 0, f"`{command}` exited {r.returncode}: {r.stderr}"
        printed = r.stdout.rstrip("\n").splitlines()
        if " run list" in command:
            real = table_ids(printed)
            for name, shown_id in table_ids(shown).items():
                assert name in real, f"`{command}`: the README shows a run '{name}' that was not printed"
                shown_to_real[shown_id] = real[name]
        if shown:
            assert [normalise(x) for x in printed] == [normalise(x) for x in shown], f"`{command}` printed:\n{r.stdout}"
