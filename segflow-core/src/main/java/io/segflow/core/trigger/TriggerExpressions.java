package io.segflow.core.trigger;

import dev.cel.common.CelAbstractSyntaxTree;
import dev.cel.common.CelIssue;
import dev.cel.common.CelOptions;
import dev.cel.common.CelValidationException;
import dev.cel.common.CelVarDecl;
import dev.cel.common.types.CelKind;
import dev.cel.common.types.MapType;
import dev.cel.common.types.SimpleType;
import dev.cel.compiler.CelCompiler;
import dev.cel.compiler.CelCompilerFactory;
import dev.cel.parser.CelStandardMacro;
import dev.cel.runtime.CelEvaluationException;
import dev.cel.runtime.CelLateFunctionBindings;
import dev.cel.runtime.CelRuntime;
import dev.cel.runtime.CelRuntimeFactory;
import io.segflow.core.rules.EvaluationContext;
import io.segflow.core.rules.ProfileVocabulary;
import io.segflow.core.rules.RuleCompiler;
import io.segflow.core.rules.RuleSyntaxException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * CEL of trigger definitions: the segment vocabulary ({@link ProfileVocabulary}) plus, for event triggers, the
 * {@code event} being handled ({@code event.properties.revenue > 100.0}). Event conditions are bools; thresholds
 * are numbers. Thread-safe; compile once, evaluate per event.
 */
public final class TriggerExpressions {
    public static final String EVENT = "event";

    /** A compiled expression; {@link #evaluate} runs it for one user, event and instant. */
    public record Compiled(String source, CelRuntime.Program program) {
        /** The value, or the evaluation error; {@code event} may be null for thresholds. */
        public Object evaluate(EvaluationContext context, Map<String, Object> event) throws CelEvaluationException {
            EvaluationContext[] current = {context};
            Map<String, Object> variables = new HashMap<>(ProfileVocabulary.variables(context));
            variables.put(EVENT, event == null ? Map.of() : event);
            return program.eval(variables, CelLateFunctionBindings.from(ProfileVocabulary.bindings(() -> current[0])));
        }
    }

    private final CelCompiler conditions;
    private final CelCompiler numbers;
    private final CelRuntime runtime;

    public TriggerExpressions() {
        CelOptions options = CelOptions.current()
                .maxExpressionCodePointSize(RuleCompiler.MAX_CONDITION_LENGTH)
                .maxParseRecursionDepth(32)
                .maxParseExpressionNodeCount(1_000)
                .comprehensionMaxIterations(RuleCompiler.MAX_ITERATIONS)
                .evaluateCanonicalTypesToNativeValues(true)
                .enableHeterogeneousNumericComparisons(true)
                .build();
        List<CelVarDecl> variables = new ArrayList<>(ProfileVocabulary.variables());
        variables.add(CelVarDecl.newVarDeclaration(EVENT, MapType.create(SimpleType.STRING, SimpleType.DYN)));
        this.conditions = compiler(options, variables).setResultType(SimpleType.BOOL).build();
        this.numbers = compiler(options, variables).build();
        this.runtime = CelRuntimeFactory.standardCelRuntimeBuilder().setOptions(options).build();
    }

    private static dev.cel.compiler.CelCompilerBuilder compiler(CelOptions options, List<CelVarDecl> variables) {
        return CelCompilerFactory.standardCelCompilerBuilder()
                .setOptions(options)
                .setStandardMacros(CelStandardMacro.STANDARD_MACROS)
                .addMacros(ProfileVocabulary.dayDurations())
                .addVarDeclarations(variables)
                .addFunctionDeclarations(ProfileVocabulary.functions());
    }

    /** A bool over {@code event} and the profile; refused with {@code field} and CEL's position. */
    public Compiled condition(String source, String field) {
        return program(check(conditions, source, field), source, field);
    }

    /** A number (int or double) over the profile; refused with {@code field} and CEL's position. */
    public Compiled number(String source, String field) {
        CelAbstractSyntaxTree ast = check(numbers, source, field);
        CelKind kind = ast.getResultType().kind();
        if (kind != CelKind.INT && kind != CelKind.UINT && kind != CelKind.DOUBLE && kind != CelKind.DYN) {
            throw new InvalidTriggerException(field, "must be a number, is " + ast.getResultType().name(), 1, 1);
        }
        return program(ast, source, field);
    }

    private static CelAbstractSyntaxTree check(CelCompiler compiler, String source, String field) {
        if (source == null || source.isBlank()) {
            throw new InvalidTriggerException(field, "is empty", 1, 1);
        }
        if (source.length() > RuleCompiler.MAX_CONDITION_LENGTH) {
            throw new InvalidTriggerException(field, "is longer than " + RuleCompiler.MAX_CONDITION_LENGTH + " characters", 1, 1);
        }
        CelAbstractSyntaxTree ast;
        try {
            ast = compiler.compile(source).getAst();
        } catch (CelValidationException e) {
            CelIssue first = e.getErrors().get(0);
            throw new InvalidTriggerException(field, first.getMessage(),
                    Math.max(1, first.getSourceLocation().getLine()), first.getSourceLocation().getColumn() + 1);
        }
        try {
            // As for segments: a window or regular expression the checker lets through would fail for every user.
            RuleCompiler.checkVocabulary(ast);
        } catch (RuleSyntaxException e) {
            throw new InvalidTriggerException(field, e.getMessage(), e.line(), e.column());
        }
        return ast;
    }

    private Compiled program(CelAbstractSyntaxTree ast, String source, String field) {
        try {
            return new Compiled(source, runtime.createProgram(ast));
        } catch (CelEvaluationException e) {
            throw new InvalidTriggerException(field, e.getMessage(), 1, 1);
        }
    }

    /** A CEL result as a double, for thresholds. */
    public static double toDouble(Object value) {
        if (value instanceof Number number) {
            return number.doubleValue();
        }
        throw new IllegalArgumentException("not a number: " + value);
    }
}
