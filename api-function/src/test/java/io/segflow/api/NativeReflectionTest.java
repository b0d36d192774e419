package io.segflow.api;

import static org.assertj.core.api.Assertions.assertThat;

import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.segflow.api.push.ChangeMessage;
import io.segflow.api.triggers.DeliveryView;
import io.segflow.api.triggers.TestDelivery;
import io.segflow.api.triggers.TriggersResource;
import io.segflow.api.users.UserState;
import io.segflow.core.api.ErrorBody;
import io.segflow.core.history.PartitionHistory;
import io.segflow.core.membership.SegmentChange;
import io.segflow.core.redis.ScoringCodec;
import io.segflow.core.rules.SegmentDefinition;
import io.segflow.core.trigger.DeliveryEntry;
import io.segflow.core.trigger.Firing;
import io.segflow.testkit.JacksonReach;
import io.segflow.testkit.KafkaAndRedisResource;
import jakarta.enterprise.inject.Any;
import jakarta.enterprise.inject.spi.BeanManager;
import jakarta.inject.Inject;
import jakarta.ws.rs.Path;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/**
 * {@link ResourceMethods} reads the resources' methods by reflection, which a native image answers only for classes
 * registered in reflect-config.json: every REST resource of the api must be there, or its 405s would lose their
 * {@code Allow} and turn into 404s in production only. Likewise every type the api hands to Jackson outside its resource
 * methods' signatures (error bodies in a {@code Response}, what it reads from and writes to Redis, push messages):
 * Jackson reads those by reflection, and Quarkus registers only the types its REST signatures name.
 */
@QuarkusTest
@QuarkusTestResource(value = KafkaAndRedisResource.class, restrictToAnnotatedClass = false)
class NativeReflectionTest {
    private static final String REFLECT_CONFIG = "META-INF/native-image/io.segflow/api-function/reflect-config.json";

    @Inject
    BeanManager beans;

    @Test
    void everyRestResourceIsRegisteredForReflection() {
        Set<String> resources = beans.getBeans(Object.class, Any.Literal.INSTANCE).stream()
                .map(bean -> bean.getBeanClass())
                .filter(type -> type.getName().startsWith("io.segflow.") && type.isAnnotationPresent(Path.class))
                .map(Class::getName).collect(Collectors.toSet());
        assertThat(resources).contains("io.segflow.api.SegmentsResource", "io.segflow.api.triggers.TriggersResource");

        assertThat(JacksonReach.registered(REFLECT_CONFIG, "allPublicMethods")).containsAll(resources);
    }

    @Test
    void everyTypeHandedToJacksonOutsideRestSignaturesIsRegisteredForReflection() {
        Set<String> reached = JacksonReach.typesReachedFrom(ErrorBody.class, SegmentsResource.ConditionError.class,
                TriggersResource.ConditionError.class, PartitionHistory.class, SegmentDefinition.class,
                ScoringCodec.StoredScoring.class, UserState.UserSegments.class, SegmentChange.class, ChangeMessage.class,
                Firing.class, DeliveryEntry.class, TestDelivery.Result.class, DeliveryView.class);

        assertThat(JacksonReach.registered(REFLECT_CONFIG, JacksonReach.OPEN_TO_JACKSON)).containsAll(reached);
    }
}
