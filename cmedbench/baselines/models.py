"""Network definitions in plain torch (no torchvision) and torch-geometric.

* VGG-16 (CMED Section IV, Fig. 7): torchvision's module layout and parameter names, so ImageNet
  weights saved by torchvision (``vgg16-*.pth`` state dicts) load unchanged; ``width`` scales the
  channels and ``hidden`` the classifier for CPU-sized presets (pretrained weights need width 1).
* DGCNN (Zhang et al., adapted to landmark graphs; CMED Fig. 8): four EdgeConv layers on the static
  landmark graph, SortAggregation (sort pooling) of the concatenated layer outputs, a 1-D convolution
  and fully connected layers to class scores (softmax at prediction).
* STSTNet (Liong et al. 2019; a DFME flow baseline): three shallow parallel 3x3 conv streams over the
  (u, v, strain) optical-flow image, max-pooled, concatenated, average-pooled, one linear layer.
"""

from __future__ import annotations

import torch
from torch import nn

VGG16_CFG = (64, 64, "M", 128, 128, "M", 256, 256, 256, "M", 512, 512, 512, "M", 512, 512, 512, "M")


class VGG16(nn.Module):
    def __init__(self, n_classes: int, width: float = 1.0, hidden: int = 4096, dropout: float = 0.5):
        super().__init__()
        layers: list[nn.Module] = []
        c_in = 3
        for v in VGG16_CFG:
            if v == "M":
                layers.append(nn.MaxPool2d(2, 2))
            else:
                c = max(4, int(round(v * width)))
                layers += [nn.Conv2d(c_in, c, 3, padding=1), nn.ReLU(inplace=True)]
                c_in = c
        self.features = nn.Sequential(*layers)
        self.avgpool = nn.AdaptiveAvgPool2d((7, 7))
        self.classifier = nn.Sequential(
            nn.Linear(c_in * 49, hidden), nn.ReLU(True), nn.Dropout(dropout),
            nn.Linear(hidden, hidden), nn.ReLU(True), nn.Dropout(dropout),
            nn.Linear(hidden, n_classes),
        )

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = self.avgpool(self.features(x))
        return self.classifier(torch.flatten(x, 1))


def load_torchvision_vgg16(model: VGG16, path: str) -> dict:
    """Copy a torchvision VGG-16 state dict into ``model``; the last layer (ImageNet's 1000 classes) is
    left out. Returns {loaded: [...], skipped: [...]}; raises on a name or shape that does not fit."""
    state = torch.load(path, map_location="cpu", weights_only=True)
    own = model.state_dict()
    loaded, skipped = [], []
    for name, tensor in state.items():
        if name.startswith("classifier.6."):
            skipped.append(name)
            continue
        if name not in own:
            raise ValueError(f"{path}: {name} is not a VGG-16 parameter (is it a torchvision vgg16 state dict?)")
        if own[name].shape != tensor.shape:
            raise ValueError(f"{path}: {name} has shape {tuple(tensor.shape)}, the model has "
                             f"{tuple(own[name].shape)} (pretrained weights need width 1 and hidden 4096)")
        own[name] = tensor
        loaded.append(name)
    missing = [n for n in own if n not in loaded and not n.startswith("classifier.6.")]
    if missing:
        raise ValueError(f"{path}: no weights for {', '.join(missing)}")
    model.load_state_dict(own)
    return {"loaded": loaded, "skipped": skipped}


class DGCNN(nn.Module):
    def __init__(self, in_channels: int, n_classes: int, channels=(32, 32, 32, 1), k: int = 30,
                 conv1d: int = 16, hidden: int = 128, dropout: float = 0.5):
        super().__init__()
        from torch_geometric.nn import EdgeConv
        from torch_geometric.nn.aggr import SortAggregation

        # landmark displacements are ~100x smaller than coordinates: standardise every input channel
        self.norm = nn.BatchNorm1d(in_channels)
        self.convs = nn.ModuleList()
        c_in = in_channels
        for c in channels:
            self.convs.append(EdgeConv(nn.Sequential(nn.Linear(2 * c_in, c), nn.Tanh()), aggr="max"))
            c_in = c
        total = sum(channels)
        self.pool = SortAggregation(k)
        self.conv1 = nn.Conv1d(1, conv1d, total, total)
        self.maxpool = nn.MaxPool1d(2, 2)
        self.conv2 = nn.Conv1d(conv1d, 2 * conv1d, 5, 1)
        width = (k // 2 - 5 + 1) * 2 * conv1d
        self.head = nn.Sequential(nn.Linear(width, hidden), nn.ReLU(), nn.Dropout(dropout), nn.Linear(hidden, n_classes))

    def forward(self, x: torch.Tensor, edge_index: torch.Tensor, batch: torch.Tensor) -> torch.Tensor:
        x = self.norm(x)
        outs = []
        for conv in self.convs:
            x = conv(x, edge_index)
            outs.append(x)
        x = self.pool(torch.cat(outs, dim=-1), batch)  # (graphs, k * total)
        x = torch.relu(self.conv1(x.unsqueeze(1)))
        x = torch.relu(self.conv2(self.maxpool(x)))
        return self.head(torch.flatten(x, 1))


class STSTNet(nn.Module):
    def __init__(self, n_classes: int, in_channels: int = 3, streams=(3, 5, 8)):
        super().__init__()
        self.streams = nn.ModuleList(
            nn.Sequential(nn.Conv2d(in_channels, c, 3, padding=1), nn.ReLU(), nn.BatchNorm2d(c),
                          nn.MaxPool2d(3, 3, padding=1), nn.Dropout(0.5)) for c in streams)
        self.pool = nn.AvgPool2d(2, 2)
        self.fc = nn.LazyLinear(n_classes)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = torch.cat([s(x) for s in self.streams], dim=1)
        return self.fc(torch.flatten(self.pool(x), 1))
