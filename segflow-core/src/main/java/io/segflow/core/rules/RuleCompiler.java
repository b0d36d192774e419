package io.segflow.core.rules;

import dev.cel.common.CelIssue;
import dev.cel.common.CelOptions;
import dev.cel.common.CelValidationException;
import dev.cel.common.CelAbstractSyntaxTree;
import dev.cel.common.ast.CelConstant;
import dev.cel.common.ast.CelExpr;
import dev.cel.common.navigation.CelNavigableAst;
import dev.cel.common.navigation.CelNavigableExpr;
import dev.cel.common.types.SimpleType;
import dev.cel.compiler.CelCompiler;
import dev.cel.compiler.CelCompilerFactory;
import dev.cel.runtime.CelEvaluationException;
import dev.cel.runtime.CelRuntime;
import dev.cel.runtime.CelRuntimeFactory;
import java.util.Set;
import java.util.TreeSet;

/**
 * Compiles segment conditions: CEL over a profile, type-checked to a bool. Thread-safe; build one and share it.
 *
 * <p>Vocabulary: {@code traits.<name>} and {@code count("<event name>")} (lifetime count).
 */
public final class RuleCompiler {

    /** Caps keep a marketer's typo (or a hostile admin) from building a pathological program. */
    public static final int MAX_CONDITION_LENGTH = 4_096;
    private static final int MAX_NESTING = 32;
    private static final int MAX_NODES = 1_000;

    private final CelCompiler compiler;
    private final CelRuntime runtime;

    public RuleCompiler() {
        CelOptions options = CelOptions.current()
                .maxExpressionCodePointSize(MAX_CONDITION_LENGTH)
                .maxParseRecursionDepth(MAX_NESTING)
                .maxParseExpressionNodeCount(MAX_NODES)
                .build();
        this.compiler = CelCompilerFactory.standardCelCompilerBuilder()
                .setOptions(options)
                .addVarDeclarations(ProfileVocabulary.variables())
                .addFunctionDeclarations(ProfileVocabulary.functions())
                .setResultType(SimpleType.BOOL)
                .build();
        this.runtime = CelRuntimeFactory.standardCelRuntimeBuilder().setOptions(options).build();
    }

    public CompiledCondition compile(String condition) {
        if (condition == null || condition.isBlank()) {
            throw new RuleSyntaxException("condition is empty", 1, 1);
        }
        if (condition.length() > MAX_CONDITION_LENGTH) {
            throw new RuleSyntaxException("condition is longer than " + MAX_CONDITION_LENGTH + " characters", 1, 1);
        }
        CelAbstractSyntaxTree ast;
        try {
            ast = compiler.compile(condition).getAst();
        } catch (CelValidationException e) {
            CelIssue first = e.getErrors().get(0);
            throw new RuleSyntaxException(first.getMessage(),
                    Math.max(1, first.getSourceLocation().getLine()),
                    first.getSourceLocation().getColumn() + 1);
        }
        try {
            return new CompiledCondition(condition, runtime.createProgram(ast), countedEvents(ast), readsIdent(ast, "traits"));
        } catch (CelEvaluationException e) {
            throw new RuleSyntaxException(e.getMessage(), 1, 1);
        }
    }

    private static Set<String> countedEvents(CelAbstractSyntaxTree ast) {
        Set<String> names = new TreeSet<>();
        CelNavigableAst.fromAst(ast).getRoot().allNodes()
                .map(CelNavigableExpr::expr)
                .filter(expr -> expr.getKind() == CelExpr.ExprKind.Kind.CALL)
                .filter(expr -> ProfileVocabulary.COUNT.equals(expr.call().function()))
                .forEach(expr -> {
                    CelExpr first = expr.call().args().get(0);
                    if (first.getKind() == CelExpr.ExprKind.Kind.CONSTANT
                            && first.constant().getKind() == CelConstant.Kind.STRING_VALUE) {
                        names.add(first.constant().stringValue());
                    } else {
                        names.add(ProfileVocabulary.ANY_EVENT);
                    }
                });
        return names;
    }

    private static boolean readsIdent(CelAbstractSyntaxTree ast, String name) {
        return CelNavigableAst.fromAst(ast).getRoot().allNodes()
                .map(CelNavigableExpr::expr)
                .anyMatch(expr -> expr.getKind() == CelExpr.ExprKind.Kind.IDENT && name.equals(expr.ident().name()));
    }
}
