"""Model definitions: shapes, torchvision-compatible VGG-16 weights."""

import pytest
import torch

from cmedbench.baselines.models import DGCNN, STSTNet, VGG16, load_torchvision_vgg16


def test_vgg16_has_torchvisions_layout_and_size():
    full = VGG16(1000)
    assert sum(p.numel() for p in full.parameters()) == 138_357_544  # torchvision's vgg16
    names = list(full.state_dict())
    assert names[:2] == ["features.0.weight", "features.0.bias"] and "features.28.weight" in names
    assert names[-2:] == ["classifier.6.weight", "classifier.6.bias"]


def test_pretrained_weights_land_in_the_right_layers(tmp_path):
    """The file is written in torchvision's state-dict format (its key names, a 1000-class head)."""
    source = VGG16(1000, width=0.125, hidden=64)
    with torch.no_grad():
        for i, p in enumerate(source.parameters()):
            p.copy_(torch.full_like(p, float(i)))  # every tensor carries its own position
    path = tmp_path / "vgg16-imagenet.pth"
    torch.save(source.state_dict(), path)

    model = VGG16(3, width=0.125, hidden=64)
    head_before = model.classifier[6].weight.clone()
    report = load_torchvision_vgg16(model, str(path))
    assert report["skipped"] == ["classifier.6.weight", "classifier.6.bias"]
    sd, src = model.state_dict(), source.state_dict()
    for name in report["loaded"]:
        assert torch.equal(sd[name], src[name]), name
    assert torch.equal(sd["features.28.weight"], src["features.28.weight"])  # the last conv
    assert torch.equal(model.classifier[6].weight, head_before)  # our 3-class head stays fresh
    assert model.classifier[6].weight.shape == (3, 64)


def test_pretrained_weights_of_the_wrong_size_are_refused(tmp_path):
    path = tmp_path / "w.pth"
    torch.save(VGG16(1000, width=0.25, hidden=64).state_dict(), path)
    with pytest.raises(ValueError, match="shape"):
        load_torchvision_vgg16(VGG16(3, width=0.125, hidden=64), str(path))
    torch.save({"conv1.weight": torch.zeros(1)}, path)
    with pytest.raises(ValueError, match="not a VGG-16 parameter"):
        load_torchvision_vgg16(VGG16(3, width=0.125, hidden=64), str(path))


def test_dgcnn_and_ststnet_shapes():
    import numpy as np
    from torch_geometric.data import Batch, Data

    from cmedbench.features.graphs import graph_arrays

    x, e = graph_arrays(np.random.default_rng(0).uniform(0, 100, (3, 68, 2)))
    batch = Batch.from_data_list([Data(x=torch.from_numpy(x), edge_index=torch.from_numpy(e))] * 5)
    model = DGCNN(7, 6, (32, 32, 64, 128), k=30)
    assert model(batch.x, batch.edge_index, batch.batch).shape == (5, 6)
    assert STSTNet(3)(torch.zeros(4, 3, 28, 28)).shape == (4, 3)

