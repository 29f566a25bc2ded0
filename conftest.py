"""Test-session set-up for ``make test`` (``pytest tests book --nbval-lax``).

nbval starts each chapter's kernel in ``book/``; a relative ``TOPO_DATA_DIR`` (the README's
``export TOPO_DATA_DIR=../shared/data``) is made absolute here, relative to the folder pytest was
started in, before any kernel starts, so every kernel finds the same data folder.
"""

from topo_helpers.data import absolute_env_paths

absolute_env_paths()
