from cmedbench.baselines.experiments import experiment_rows

ROWS = [
    {"Experiment": None, "rev": "workspace", "typ": "baseline", "dgcnn.k": 20, "svm.C": 0.01,
     "results/dgcnn": "abc", "results/dgcnn/emotion-3/metrics.json:uf1": 0.4,
     "results/dgcnn/emotion-3/metrics.json:uar": 0.5, "results/svm/me-spotting/metrics.json:uf1": 0.7},
    {"Experiment": "brisk-oak", "rev": "1234", "typ": "branch_commit", "dgcnn.k": 10, "svm.C": 0.01,
     "results/dgcnn": "def", "results/dgcnn/emotion-3/metrics.json:uf1": 0.45,
     "results/dgcnn/emotion-3/metrics.json:uar": 0.55, "results/svm/me-spotting/metrics.json:uf1": 0.7},
]


def test_rows_show_metrics_and_only_the_params_that_differ():
    rows = experiment_rows(ROWS, baseline="dgcnn")
    assert [(r["experiment"], r["uf1"], r["uar"], r["params"]) for r in rows] == [
        ("workspace", 0.4, 0.5, "dgcnn.k=20"), ("brisk-oak", 0.45, 0.55, "dgcnn.k=10")]
    assert len(experiment_rows(ROWS)) == 4 and experiment_rows(ROWS, task="me-spotting")[0]["baseline"] == "svm"
