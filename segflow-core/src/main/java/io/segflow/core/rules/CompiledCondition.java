package io.segflow.core.rules;

import dev.cel.runtime.CelRuntime;
import java.util.Set;

/**
 * A condition compiled once at save time, with what it reads so that only events that can change its
 * outcome re-evaluate it.
 *
 * @param eventNames the event names whose counts it reads
 * @param readsTraits whether it reads {@code traits}
 */
public record CompiledCondition(String source, CelRuntime.Program program, Set<String> eventNames, boolean readsTraits) {
}
