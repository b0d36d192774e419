package io.segflow.api.redis;

import jakarta.interceptor.InterceptorBinding;
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * Marks a read: when a Redis connection it was using closes under it, it runs once more, on another connection
 * ({@link LostConnectionRetry}). Only for methods that write nothing, whose second run cannot repeat an effect.
 */
@InterceptorBinding
@Retention(RetentionPolicy.RUNTIME)
@Target({ElementType.METHOD, ElementType.TYPE})
public @interface RetriedOnLostConnection {
}
