package io.segflow.core.rules;

import dev.cel.common.CelFunctionDecl;
import dev.cel.common.CelOverloadDecl;
import dev.cel.common.CelVarDecl;
import dev.cel.common.types.MapType;
import dev.cel.common.types.SimpleType;
import dev.cel.runtime.CelFunctionBinding;
import io.segflow.core.profile.Profile;
import java.util.List;

/** The names a segment condition can use, declared for the compiler and bound to a profile for evaluation. */
final class ProfileVocabulary {
    static final String TRAITS = "traits";
    static final String COUNT = "count";
    private static final String COUNT_LIFETIME = "count_string";
    /** Marks a condition whose count() argument is computed, so any event may change it. */
    static final String ANY_EVENT = "*";

    private ProfileVocabulary() {
    }

    static List<CelVarDecl> variables() {
        return List.of(CelVarDecl.newVarDeclaration(TRAITS, MapType.create(SimpleType.STRING, SimpleType.DYN)));
    }

    static List<CelFunctionDecl> functions() {
        return List.of(CelFunctionDecl.newFunctionDeclaration(COUNT,
                CelOverloadDecl.newGlobalOverload(COUNT_LIFETIME, "lifetime count of an event name",
                        SimpleType.INT, SimpleType.STRING)));
    }

    /** Functions bound late, per evaluation, so that one compiled program serves every profile. */
    static List<CelFunctionBinding> bindings(Profile profile) {
        return List.of(CelFunctionBinding.from(COUNT_LIFETIME, String.class, profile::count));
    }
}
