package io.segflow.bench.engine;

import io.segflow.core.profile.Scoring;
import io.segflow.core.rules.CompiledSegment;
import io.segflow.core.rules.RuleCompiler;
import io.segflow.core.rules.SegmentDefinition;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The benchmark's segments: groups of ten realistic conditions (counts, windows, sums, traits, score,
 * inactivity), group {@code K} reading the events {@code view_K}, {@code cart_K} and {@code buy_K}. Every
 * condition of a group reads {@code view_K}, so an unweighted {@code view_0} event touches exactly the ten
 * segments of group 0, whatever the number of groups.
 *
 * <p>Each template is written twice, in CEL for segflow and as a Drools constraint over {@link DroolsProfile};
 * keep the two side by side so that their equivalence can be reviewed (and {@link DroolsEquivalence#check}
 * checks it on real profiles).
 */
public final class SegmentCatalog {

    /** One condition in both languages; {v}, {c} and {b} stand for the group's view, cart and buy events. */
    record Template(String cel, String drools) {
    }

    static final List<Template> TEMPLATES = List.of(
            new Template("count(\"{v}\") >= 5",
                    "m(\"count:{v}\") >= 5"),
            new Template("count(\"{v}\", \"1h\") >= 3",
                    "m(\"count:{v}:1h\") >= 3"),
            new Template("count(\"{v}\", \"7d\") >= 10 && count(\"{c}\") >= 1",
                    "m(\"count:{v}:7d\") >= 10, m(\"count:{c}\") >= 1"),
            new Template("sum(\"{b}\", \"amount\", \"30d\") > 100.0 && count(\"{v}\", \"24h\") >= 1",
                    "m(\"sum:{b}:amount:30d\") > 100.0, m(\"count:{v}:24h\") >= 1"),
            new Template("max(\"{v}\", \"price\", \"7d\") > 80.0 || (avg(\"{b}\", \"amount\") >= 40.0 && last(\"{b}\", \"currency\") == \"EUR\")",
                    "m(\"max:{v}:price:7d\") > 80.0 || (m(\"avg:{b}:amount\") >= 40.0 && lastText(\"{b}:currency\") == \"EUR\")"),
            new Template("\"plan\" in traits && traits.plan == \"pro\" && count(\"{v}\", \"30d\") >= 2",
                    "hasTrait(\"plan\"), traitText(\"plan\") == \"pro\", m(\"count:{v}:30d\") >= 2"),
            new Template("\"age\" in traits && traits.age >= 18 && count(\"{c}\", \"24h\") >= 1 && count(\"{v}\") > 0",
                    "hasTrait(\"age\"), traitNumber(\"age\") >= 18, m(\"count:{c}:24h\") >= 1, m(\"count:{v}\") > 0"),
            new Template("score > 30.0 && count(\"{v}\", \"7d\") >= 1",
                    "score > 30.0, m(\"count:{v}:7d\") >= 1"),
            new Template("now - lastSeen(\"{v}\") > duration(\"3d\") && count(\"{b}\") >= 1",
                    "m(\"idle:{v}\") > 259200000, m(\"count:{b}\") >= 1"),
            new Template("count(\"{c}\", \"30m\") >= 1 && count(\"{b}\", \"30m\") == 0 && count(\"{v}\", \"30m\") >= 1",
                    "m(\"count:{c}:30m\") >= 1, m(\"count:{b}:30m\") == 0, m(\"count:{v}:30m\") >= 1"));

    public static final int GROUP_SIZE = TEMPLATES.size();
    /** Cart and buy events raise the engagement score; views do not (so a view touches only its group). */
    public static final Scoring SCORING = scoring(100);

    private SegmentCatalog() {
    }

    public static String view(int group) {
        return "view_" + group;
    }

    public static String cart(int group) {
        return "cart_" + group;
    }

    public static String buy(int group) {
        return "buy_" + group;
    }

    static String segmentId(int group, int template) {
        return String.format("g%03d-t%d", group, template);
    }

    static int groups(int segments) {
        if (segments % GROUP_SIZE != 0) {
            throw new IllegalArgumentException("segments must be a multiple of " + GROUP_SIZE);
        }
        return segments / GROUP_SIZE;
    }

    static String fill(String text, int group) {
        return text.replace("{v}", view(group)).replace("{c}", cart(group)).replace("{b}", buy(group));
    }

    /** The conditions of the first {@code segments} segments, by id. */
    public static Map<String, String> celConditions(int segments) {
        Map<String, String> conditions = new HashMap<>();
        for (int group = 0; group < groups(segments); group++) {
            for (int t = 0; t < GROUP_SIZE; t++) {
                conditions.put(segmentId(group, t), fill(TEMPLATES.get(t).cel(), group));
            }
        }
        return conditions;
    }

    public static List<CompiledSegment> compile(int segments) {
        RuleCompiler compiler = new RuleCompiler();
        List<CompiledSegment> compiled = new ArrayList<>();
        celConditions(segments).forEach((id, condition) -> compiled.add(new CompiledSegment(
                new SegmentDefinition(id, id, condition, true, Instant.EPOCH), compiler.compile(condition))));
        return compiled;
    }

    private static Scoring scoring(int groups) {
        Map<String, Double> weights = new HashMap<>();
        for (int group = 0; group < groups; group++) {
            weights.put(cart(group), 3.0);
            weights.put(buy(group), 10.0);
        }
        return new Scoring(Duration.ofDays(7), weights);
    }
}
