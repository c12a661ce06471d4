"""``cdk`` entry point (``infra/cdk.json``): synthesizes every stack, checked by cdk-nag."""

from __future__ import annotations

import sys
from pathlib import Path

if __name__ == "__main__":
    # cdk runs this file as a script from infra/; the packages live at the repository root.
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
    from infra.build import build_app

    build_app().app.synth()
