package io.segflow.trigger.deliver;

import io.segflow.core.json.IsoInstants;
import io.segflow.core.json.Json;
import io.segflow.core.trigger.Firing;
import io.segflow.trigger.TriggerProducer;
import jakarta.enterprise.context.ApplicationScoped;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.producer.ProducerRecord;

/** Firings given up (deadline passed, endpoint gone) go to {@code segflow.triggers.dead}, keyed by user, with why. */
@ApplicationScoped
public class DeadFirings {
    public static final String TOPIC = "segflow.triggers.dead";

    private final TriggerProducer producer;

    DeadFirings(TriggerProducer producer) {
        this.producer = producer;
    }

    /** Blocks until the broker has it: the firing leaves Redis only after. */
    public void send(Firing firing, Outcome last, String reason) throws InterruptedException {
        Map<String, Object> record = new LinkedHashMap<>();
        record.put("id", firing.id());
        record.put("trigger", firing.triggerId());
        record.put("userId", firing.userId());
        record.put("kind", firing.kind());
        record.put("reason", reason);
        record.put("attempts", firing.attempts());
        if (last.status() != null) {
            record.put("lastStatus", last.status());
        }
        record.put("lastError", last.error());
        record.put("deadAt", IsoInstants.format(Instant.now()));
        record.put("firing", firing);
        producer.sendAll(List.of(new ProducerRecord<>(TOPIC, firing.userId(), Json.writeBytes(record))));
    }

}
