"""Tests of topo_helpers.vgg: offline fallback with a notice, layer filters, errors."""

from __future__ import annotations

import os

import numpy as np
import pytest

from topo_helpers import vgg

needs_data = pytest.mark.skipif(not os.environ.get("TOPO_DATA_DIR"), reason="TOPO_DATA_DIR not set")


def test_layer_filters_one_point_per_channel_pair():
    K = np.random.default_rng(0).standard_normal((8, 4, 3, 3))
    X = vgg.layer_filters(K)
    assert X.shape == (32, 9)
    assert np.allclose(np.linalg.norm(X, axis=1), 1) and np.allclose(X.sum(axis=1), 0)
    with pytest.raises(ValueError, match="out, in"):
        vgg.layer_filters(np.zeros((3, 3)))


def test_bad_arguments():
    with pytest.raises(ValueError, match="vgg16"):
        vgg.load_vgg("vgg11")
    with pytest.raises(ValueError, match="source"):
        vgg.load_vgg("vgg16", source="caffe")


@needs_data
def test_offline_imagenet_request_falls_back_loudly_to_hed(monkeypatch, capsys):
    monkeypatch.setenv("TOPO_OFFLINE", "1")
    w = vgg.load_vgg("vgg16", source="imagenet", fallback="hed")
    out = capsys.readouterr().out
    assert w is not None and w.source == "hed-offline" and not w.exact
    assert "NOTICE" in out or "notice" in out.lower()
    assert len(w.layers) == 13 and w.kernel(1).shape == (64, 3, 3, 3) and w.kernel(13).shape == (512, 512, 3, 3)
    with pytest.raises(ValueError, match="layers 1..13"):
        w.kernel(14)
    # VGG19 has no offline copy: skipped with a notice, never replaced by something else
    assert vgg.load_vgg("vgg19", source="imagenet") is None
    assert "VGG19" in capsys.readouterr().out
