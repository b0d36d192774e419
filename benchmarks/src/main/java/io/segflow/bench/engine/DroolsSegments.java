package io.segflow.bench.engine;

import io.segflow.core.profile.ProfileView;
import io.segflow.core.profile.Scoring;
import io.segflow.core.profile.Window;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import org.kie.api.builder.Message;
import org.kie.api.io.ResourceType;
import org.kie.api.runtime.KieSession;
import org.kie.api.runtime.rule.FactHandle;
import org.kie.internal.utils.KieHelper;

/**
 * The catalog's segments as Drools rules (DRL built from {@link SegmentCatalog}'s Drools constraints) in one
 * stateful session holding one user's fact. Each rule that matches adds its segment id to the global
 * {@code matched}: after an update and {@code fireAllRules()}, it holds every segment the user is in.
 */
public final class DroolsSegments implements AutoCloseable {
    private static final Window W30M = Window.parse("30m");
    private static final Window W1H = Window.parse("1h");
    private static final Window W24H = Window.parse("24h");
    private static final Window W7D = Window.parse("7d");
    private static final Window W30D = Window.parse("30d");

    private final int groups;
    private final KieSession session;
    private final Set<String> matched = new HashSet<>();
    private FactHandle handle;

    public DroolsSegments(int segments) {
        this.groups = SegmentCatalog.groups(segments);
        KieHelper helper = new KieHelper().addContent(drl(segments), ResourceType.DRL);
        var errors = helper.verify().getMessages(Message.Level.ERROR);
        if (!errors.isEmpty()) {
            throw new IllegalStateException("DRL does not compile: " + errors);
        }
        this.session = helper.build().newKieSession();
        session.setGlobal("matched", matched);
    }

    static String drl(int segments) {
        StringBuilder drl = new StringBuilder("""
                package io.segflow.bench.rules;
                import io.segflow.bench.engine.DroolsProfile;
                global java.util.Set matched;
                """);
        for (int group = 0; group < SegmentCatalog.groups(segments); group++) {
            for (int t = 0; t < SegmentCatalog.GROUP_SIZE; t++) {
                String id = SegmentCatalog.segmentId(group, t);
                String constraint = SegmentCatalog.fill(SegmentCatalog.TEMPLATES.get(t).drools(), group);
                drl.append("rule \"").append(id).append("\"\nwhen\n  DroolsProfile( ").append(constraint)
                        .append(" )\nthen\n  matched.add(\"").append(id).append("\");\nend\n");
            }
        }
        return drl.toString();
    }

    /** Updates the user's fact and fires: the segments the user is in now (a view on an internal set). */
    public Set<String> evaluate(DroolsProfile fact) {
        matched.clear();
        if (handle == null) {
            handle = session.insert(fact);
        } else {
            session.update(handle, fact);
        }
        session.fireAllRules();
        return matched;
    }

    /** The fact a Drools deployment must build per event: every metric of every rule, computed at {@code now}. */
    public DroolsProfile fact(ProfileView profile, Scoring scoring, long now) {
        Map<String, Double> metrics = new HashMap<>();
        Map<String, String> lastTexts = new HashMap<>();
        for (int group = 0; group < groups; group++) {
            String v = SegmentCatalog.view(group);
            String c = SegmentCatalog.cart(group);
            String b = SegmentCatalog.buy(group);
            for (String event : new String[] {v, c, b}) {
                metrics.put("count:" + event, (double) profile.count(event));
            }
            windowCount(metrics, profile, v, W30M, now);
            windowCount(metrics, profile, v, W1H, now);
            windowCount(metrics, profile, v, W24H, now);
            windowCount(metrics, profile, v, W7D, now);
            windowCount(metrics, profile, v, W30D, now);
            windowCount(metrics, profile, c, W30M, now);
            windowCount(metrics, profile, c, W24H, now);
            windowCount(metrics, profile, b, W30M, now);
            // Aggregate.EMPTY's max and avg are NaN, which compares false, as segflow's "no values" error does.
            metrics.put("sum:" + b + ":amount:30d", profile.aggregate(b, "amount", W30D, now).sum());
            metrics.put("max:" + v + ":price:7d", profile.aggregate(v, "price", W7D, now).max());
            metrics.put("avg:" + b + ":amount", profile.aggregate(b, "amount").avg());
            metrics.put("idle:" + v, (double) (now - profile.lastSeen(v).toEpochMilli()));
            profile.lastValue(b, "currency").ifPresent(value -> lastTexts.put(b + ":currency", String.valueOf(value)));
        }
        return new DroolsProfile(metrics, lastTexts, profile.traits(), profile.score(scoring, now));
    }

    private static void windowCount(Map<String, Double> metrics, ProfileView profile, String event, Window window, long now) {
        metrics.put("count:" + event + ":" + window.text(), (double) profile.count(event, window, now));
    }

    @Override
    public void close() {
        session.dispose();
    }
}
