"""A small ledger for the site tests: two seeds of one model, a re-run of seed 0 (a reproduction),
a floor, and a model whose name and description are hostile HTML."""

from __future__ import annotations

from html.parser import HTMLParser
from pathlib import Path

from cmedbench.bench.evaluator import Evaluator
from cmedbench.bench.floors import floor_predictions, predictions_csv
from cmedbench.bench.leaderboard import Leaderboard, SubmissionInfo

HOSTILE_MODEL = "<script>window.pwned=1</script><img src=x onerror=alert(1)>"
HOSTILE_DESCRIPTION = "\"><b>bold</b> \u202eevil [x](javascript:alert(1))"


def stratified_file(ev: Evaluator, seed: int) -> bytes:
    b = ev.bench
    pred = floor_predictions(b.y_true, b.folds, len(b.task.labels), "stratified", seed)
    return predictions_csv(b.sample_ids, b.folds, pred, b.task.labels)


def build_ledger(ev: Evaluator, root: Path) -> Leaderboard:
    board = Leaderboard(root)
    for seed, draw in ((0, 0), (1, 1), (0, 2)):  # the third: seed 0 again, other predictions (drift)
        board.submit(ev, stratified_file(ev, draw), SubmissionInfo("rnd", "stratified draws", "fixed-epochs", (seed,)))
    board.submit(ev, stratified_file(ev, 7), SubmissionInfo(HOSTILE_MODEL, HOSTILE_DESCRIPTION, "test-fold", (3,)))
    majority = floor_predictions(ev.bench.y_true, ev.bench.folds, len(ev.bench.task.labels), "majority", 0)
    board.submit(ev, predictions_csv(ev.bench.sample_ids, ev.bench.folds, majority, ev.bench.task.labels),
                 SubmissionInfo("floor: majority", "the training folds' majority class", seeds=(0,), kind="floor"))
    return board


INTERVAL_VIDEOS = ("video_id,participant,path,n_frames,fps,width,height,recording,start,x,y\n"
                   "va,p1,videos/va.mp4,100,25.0,64,64,r,0,0,0\n"
                   "vb,p2,videos/vb.mp4,80,25.0,64,64,r,0,0,0\n")
INTERVAL_EVENTS = ("video_id,onset,apex,offset,class,type\n"
                   "va,10,14,19,happiness,me\nva,50,53,58,surprise,me\nvb,20,22,28,happiness,me\n")


def add_interval_records(board: Leaderboard, root: Path) -> None:
    """Four interval records on ``board``: a spotter, a floor and a hostile name on me-spotting-long, a
    spotter on spot-then-recognize (a two-video long release and its bench under ``root``)."""
    from cmedbench.spotting.benchmark import write_spotting_bench
    from cmedbench.spotting.evaluator import IntervalEvaluator

    rel = root / "release"
    rel.mkdir(parents=True)
    (rel / "videos.csv").write_text(INTERVAL_VIDEOS)
    (rel / "events.csv").write_text(INTERVAL_EVENTS)
    write_spotting_bench(rel, root / "bench")
    spot = IntervalEvaluator("me-spotting-long", "loso", root / "bench")
    strt = IntervalEvaluator("spot-then-recognize", "loso", root / "bench")
    board.submit(spot, b"video_id,onset,offset\nva,10,19\nvb,60,70\n",
                 SubmissionInfo("roi-spotter", "ROI flow", "inner-validation", (0,)))
    board.submit(spot, b"video_id,onset,offset\n", SubmissionInfo("no-intervals", "spots nothing", kind="floor"))
    board.submit(spot, b"video_id,onset,offset\nva,50,58\n", SubmissionInfo(HOSTILE_MODEL, "x", "test-fold", (1,)))
    board.submit(strt, b"video_id,onset,offset,label\nva,10,19,positive\nva,50,58,positive\nvb,20,28,negative\n",
                 SubmissionInfo("roi-spotter+svm", "ROI flow then LBP-TOP SVM", "inner-validation", (0,)))


class Links(HTMLParser):
    """Every href and src of a page, and its ids."""

    def __init__(self):
        super().__init__()
        self.links: list[str] = []
        self.ids: set[str] = set()

    def handle_starttag(self, tag, attrs):
        for name, value in attrs:
            if name in ("href", "src") and value is not None:
                self.links.append(value)
            if name == "id" and value:
                self.ids.add(value)


def page_links(path: Path) -> Links:
    parser = Links()
    parser.feed(path.read_text("utf-8"))
    return parser
