"""topo_helpers: the small helper package behind the book *The topology of convolutional networks*.

One module per idea (see the book's reference page):

- :mod:`topo_helpers.data`         loaders for the real data sets (local folder, then official download)
- :mod:`topo_helpers.density`      k-nearest-neighbour density filtration rho(k, p)
- :mod:`topo_helpers.persistence`  barcodes: lazy witness complex (max-min landmarks) and Vietoris-Rips
- :mod:`topo_helpers.mapper`       Mapper with PCA lenses, Ayasdi-style resolution/gain, VNE metric
- :mod:`topo_helpers.filters`      3x3 patches, DCT coordinates, idealised primary-circle / Klein filters
- :mod:`topo_helpers.models`       the papers' CNNs M(X,Y,Z), C(X,Y,Z), LeNet
- :mod:`topo_helpers.train`        training many networks at once, checkpoints, cache
- :mod:`topo_helpers.clique`       clique topology: Betti curves of order complexes
- :mod:`topo_helpers.report`       claims as data: verdicts, the reproduction-table renderer, the scoreboard

Modules are imported lazily (``import topo_helpers.mapper``) so that loading one does not pull in torch.
"""

__version__ = "0.1.0"
