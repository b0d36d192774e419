package io.segflow.core.rules;

import dev.cel.runtime.CelRuntime;

/** A condition compiled once at save time, with what it reads (see {@link Reads}). */
public record CompiledCondition(String source, CelRuntime.Program program, Reads reads) {
}
