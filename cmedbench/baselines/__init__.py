"""The paper's baselines and trivial floors, trained leave-one-subject-out without ever looking at the
test fold, writing prediction files that go through the same `submit` path as anyone's."""
