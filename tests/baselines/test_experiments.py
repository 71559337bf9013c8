from cmedbench.baselines.experiments import experiment_rows

ROWS = [
    {"Experiment": None, "rev": "workspace", "typ": "baseline", "dgcnn.preset": "default", "dgcnn.k": "None",
     "lbptop-svm.C": 0.01, "results/dgcnn": "abc", "splits": "0ab.dir", "results/dgcnn/emotion-3/metrics.json:uf1": 0.4,
     "results/dgcnn/emotion-3/metrics.json:uar": 0.5, "results/lbptop-svm/me-spotting/metrics.json:uf1": 0.7},
    {"Experiment": "brisk-oak", "rev": "1234", "typ": "branch_commit", "dgcnn.preset": "default", "dgcnn.k": 10,
     "lbptop-svm.C": 0.01, "results/dgcnn": "def", "splits": "1cd.dir", "results/dgcnn/emotion-3/metrics.json:uf1": 0.45,
     "results/dgcnn/emotion-3/metrics.json:uar": 0.55, "results/lbptop-svm/me-spotting/metrics.json:uf1": "!"},
]


def test_rows_show_metrics_and_only_the_params_that_differ():
    """A key params.yaml leaves null shows its preset's value (dgcnn's default k is 20)."""
    rows = experiment_rows(ROWS, baseline="dgcnn").rows
    assert [(r["experiment"], r["uf1"], r["uar"], r["params"]) for r in rows] == [
        ("workspace", 0.4, 0.5, "dgcnn.k=20"), ("brisk-oak", 0.45, 0.55, "dgcnn.k=10")]
    assert len(experiment_rows(ROWS).rows) == 4
    assert experiment_rows(ROWS, task="me-spotting").rows[0]["baseline"] == "lbptop-svm"


def test_a_missing_metrics_file_is_named():
    found = experiment_rows(ROWS, task="me-spotting")
    assert found.missing == ["brisk-oak: results/lbptop-svm/me-spotting/metrics.json"]
    assert [r["uf1"] for r in found.rows] == [0.7, None]
    assert experiment_rows(ROWS, baseline="dgcnn").missing == []
