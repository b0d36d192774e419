package io.segflow.segment.apply;

import java.util.ArrayList;
import java.util.List;

/** A processor listener that keeps the identity steps it is told of, in order, for a test to assert. */
final class RecordedMergeSteps implements UserProcessor.Listener {
    final List<UserProcessor.MergeStep> steps = new ArrayList<>();

    @Override
    public void duplicate() {
    }

    @Override
    public void evaluationError(String condition, String user, Exception error) {
    }

    @Override
    public void merge(UserProcessor.MergeStep step) {
        steps.add(step);
    }
}
