"""topo_helpers: the small helper package behind the book *The topology of convolutional networks*.

One module per idea (see the book's toolkit page); the algorithms first, then the data and networks:

- :mod:`topo_helpers.validate`     the shared input checks: every mistake a clear ``ValueError``
- :mod:`topo_helpers.density`      k-nearest-neighbour density filtration rho(k, p)
- :mod:`topo_helpers.persistence`  barcodes: lazy witness complex (max-min landmarks) and Vietoris-Rips
- :mod:`topo_helpers.mapper`       Mapper with PCA lenses, Ayasdi-style resolution/gain, VNE metric, gap cut
- :mod:`topo_helpers.mapper_draw`  Mapper's last stage: the static figure and the offline interactive page
- :mod:`topo_helpers.clique`       clique topology: Betti curves of order complexes
- :mod:`topo_helpers.entropy`      SED distributions, filter entropy, its decrease and the metric E (paper 000)
- :mod:`topo_helpers.category`     MBC distributions, category distance (Jensen-Shannon), CD matrix (paper 000)
- :mod:`topo_helpers.filters`      3x3 patches, DCT coordinates, idealised primary-circle / Klein filters
- :mod:`topo_helpers.patches`      the patch spaces' fits and namers: primary circle, three circles, Klein bottle
- :mod:`topo_helpers.cloud`        one filter cloud through the whole pipeline (rho, barcodes, Mapper, circle rule)
- :mod:`topo_helpers.shapes`       one stated rule per shape (circle, two and three circles, Klein bottle, clusters), verdicts
- :mod:`topo_helpers.network`      your own network: the whole analysis of any model's conv layer in a few lines
- :mod:`topo_helpers.report`       claims as data: verdicts, the reproduction-table renderer, the scoreboard
- :mod:`topo_helpers.data`         loaders for the real data sets (local folder, then official download)
- :mod:`topo_helpers.models`       the papers' CNNs M(X,Y,Z), C(X,Y,Z), LeNet
- :mod:`topo_helpers.train`        training many networks at once, checkpoints, cache
- :mod:`topo_helpers.zoo`          trained networks as data: manifests, checksums, ``python -m topo_helpers.zoo``
- :mod:`topo_helpers.generalisation`  the MNIST chapters' runs, cross-domain accuracy, learning-curve speed-ups
- :mod:`topo_helpers.cifar`        CIFAR-10 greyscale conversion, shared runs, per-channel filters
- :mod:`topo_helpers.pruning`      first-epoch checkpoints and first-layer pruning (paper 000)
- :mod:`topo_helpers.vgg`          pretrained VGG16/19 kernels
- :mod:`topo_helpers.book`         executing the chapters (jupytext -> papermill) with a profile

Modules are imported lazily (``import topo_helpers.mapper``) so that loading one does not pull in torch.
"""

__version__ = "0.1.0"
