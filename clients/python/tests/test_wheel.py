"""`python -m build` makes a wheel that installs into a fresh virtual environment, imports and publishes."""

from __future__ import annotations

import subprocess
import sys
import venv
import zipfile
from pathlib import Path

from conftest import Stack

PACKAGE = Path(__file__).resolve().parents[1]

SCRIPT = """
import sys
import annals_client
from annals_client import Publisher, WorldSequence

assert "site-packages" in annals_client.__file__, annals_client.__file__
brokers, world = sys.argv[1:3]
sequence = WorldSequence(world)
with Publisher(brokers=brokers, producer="wheel-test") as publisher:
    publication = publisher.story_event(world, sequence.next(), "installed", "Published from a fresh venv.",
                                        payload={"version": annals_client.__version__})
print(publication.event_id)
"""


def test_the_wheel_installs_into_a_fresh_venv_and_publishes(stack: Stack, unique: str, tmp_path: Path) -> None:
    dist = tmp_path / "dist"
    build = subprocess.run([sys.executable, "-m", "build", "--outdir", str(dist), str(PACKAGE)],
                           capture_output=True, text=True, timeout=300)
    assert build.returncode == 0, build.stdout + build.stderr
    [wheel] = dist.glob("annals_client-*-py3-none-any.whl")
    assert list(dist.glob("annals_client-*.tar.gz")), "the sdist is built too"
    names = set(zipfile.ZipFile(wheel).namelist())
    assert {"annals_client/py.typed", "annals_client/proto/story_event_pb2.py",
            "annals_client/proto/story_event_pb2.pyi"} <= names

    environment = tmp_path / "venv"
    venv.EnvBuilder(with_pip=True).create(environment)
    python = environment / "bin" / "python"
    install = subprocess.run([str(python), "-m", "pip", "install", "--quiet", "--disable-pip-version-check", str(wheel)],
                             capture_output=True, text=True, timeout=300)
    assert install.returncode == 0, install.stdout + install.stderr

    world = f"wheel-{unique}"
    run = subprocess.run([str(python), "-c", SCRIPT, stack.brokers, world], capture_output=True, text=True,
                         timeout=120, cwd=tmp_path)
    assert run.returncode == 0, run.stdout + run.stderr
    event_id = run.stdout.strip().splitlines()[-1]
    [row] = stack.wait_for_rows("SELECT event_id, producer, payload FROM story.events WHERE world_id = :'w'", 1,
                                w=world)
    assert row["event_id"] == event_id and row["producer"] == "wheel-test"
    assert row["payload"] == {"version": "0.1.0"}
