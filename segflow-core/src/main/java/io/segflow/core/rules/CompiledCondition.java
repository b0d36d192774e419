package io.segflow.core.rules;

import dev.cel.runtime.CelRuntime;
import io.segflow.core.rules.plan.ConditionPlan;

/**
 * A condition compiled once at save time, with what it reads (see {@link Reads}).
 *
 * @param plan the same condition as plain Java nodes, which the engine tries first; null when the condition uses
 *             something only the CEL program evaluates
 */
public record CompiledCondition(String source, CelRuntime.Program program, Reads reads, ConditionPlan plan) {
}
