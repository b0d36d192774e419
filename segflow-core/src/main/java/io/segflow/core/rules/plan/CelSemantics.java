package io.segflow.core.rules.plan;

import io.segflow.core.rules.plan.ConditionPlan.EvaluationError;
import io.segflow.core.rules.plan.ConditionPlan.LeftToCel;
import java.time.Duration;
import java.time.Instant;

/**
 * CEL's operators on the values a plan meets, as the CEL runtime defines them with heterogeneous numeric
 * comparisons on: ints and doubles compare by value, int arithmetic errors on overflow, times and durations stay in
 * CEL's ranges. Every case not spelled out here is {@link LeftToCel}, never guessed.
 */
final class CelSemantics {
    private static final long MIN_TIMESTAMP_SECONDS = -62_135_596_800L; // 0001-01-01T00:00:00Z
    private static final long MAX_TIMESTAMP_SECONDS = 253_402_300_799L; // 9999-12-31T23:59:59Z
    /** CEL holds durations as 64-bit nanoseconds: about 292 years. */
    private static final long MAX_DURATION_SECONDS = Long.MAX_VALUE / 1_000_000_000L;
    /** Longs up to 2^53 convert to double exactly, so a mixed comparison can be made in doubles. */
    private static final long EXACT_IN_DOUBLE = 1L << 53;

    private CelSemantics() {
    }

    /** Negative, zero or positive as CEL orders the two; a NaN or a pair of types CEL may not order is left to CEL. */
    static int compare(Object left, Object right) {
        if (left instanceof Long l && right instanceof Long r) {
            return Long.compare(l, r);
        }
        if (left instanceof Double l && right instanceof Double r) {
            return compareNumbers(l, r);
        }
        if (left instanceof Number || right instanceof Number) {
            return compareMixed(asDouble(left), asDouble(right));
        }
        if (left instanceof String l && right instanceof String r && !hasSurrogates(l) && !hasSurrogates(r)) {
            return l.compareTo(r);
        }
        if (left instanceof Instant l && right instanceof Instant r) {
            return l.compareTo(r);
        }
        if (left instanceof Duration l && right instanceof Duration r) {
            return l.compareTo(r);
        }
        if (left instanceof Boolean l && right instanceof Boolean r) {
            return Boolean.compare(l, r);
        }
        throw LeftToCel.INSTANCE;
    }

    static boolean equal(Object left, Object right) {
        if (left instanceof Number || right instanceof Number) {
            return compare(left, right) == 0;
        }
        if (left.getClass() == right.getClass()
                && (left instanceof String || left instanceof Boolean || left instanceof Instant || left instanceof Duration)) {
            return left.equals(right);
        }
        throw LeftToCel.INSTANCE;
    }

    static Object add(Object left, Object right) {
        if (left instanceof Long l && right instanceof Long r) {
            long sum = l + r;
            if (((l ^ sum) & (r ^ sum)) < 0) {
                throw overflow();
            }
            return sum;
        }
        if (left instanceof Double l && right instanceof Double r) {
            return l + r;
        }
        if (left instanceof Instant l && right instanceof Duration r) {
            return timestamp(l.plus(r));
        }
        if (left instanceof Duration l && right instanceof Instant r) {
            return timestamp(r.plus(l));
        }
        if (left instanceof Duration l && right instanceof Duration r) {
            return duration(l.plus(r));
        }
        if (left instanceof String l && right instanceof String r) {
            return l.concat(r);
        }
        throw LeftToCel.INSTANCE;
    }

    static Object subtract(Object left, Object right) {
        if (left instanceof Long l && right instanceof Long r) {
            long difference = l - r;
            if (((l ^ r) & (l ^ difference)) < 0) {
                throw overflow();
            }
            return difference;
        }
        if (left instanceof Double l && right instanceof Double r) {
            return l - r;
        }
        if (left instanceof Instant l && right instanceof Duration r) {
            return timestamp(l.minus(r));
        }
        if (left instanceof Instant l && right instanceof Instant r) {
            return duration(Duration.between(r, l));
        }
        if (left instanceof Duration l && right instanceof Duration r) {
            return duration(l.minus(r));
        }
        throw LeftToCel.INSTANCE;
    }

    static Object multiply(Object left, Object right) {
        if (left instanceof Long l && right instanceof Long r) {
            long high = Math.multiplyHigh(l, r);
            long product = l * r;
            if ((high != 0 || product < 0) && (high != -1 || product >= 0)) {
                throw overflow();
            }
            return product;
        }
        if (left instanceof Double l && right instanceof Double r) {
            return l * r;
        }
        throw LeftToCel.INSTANCE;
    }

    static Object divide(Object left, Object right) {
        if (left instanceof Long l && right instanceof Long r) {
            if (r == 0) {
                throw new EvaluationError("divide by zero");
            }
            if (l == Long.MIN_VALUE && r == -1) {
                throw overflow();
            }
            return l / r;
        }
        if (left instanceof Double l && right instanceof Double r) {
            return l / r;
        }
        throw LeftToCel.INSTANCE;
    }

    static Object modulo(Object left, Object right) {
        if (left instanceof Long l && right instanceof Long r) {
            if (r == 0) {
                throw new EvaluationError("modulus by zero");
            }
            // The smallest int modulo -1 is 0 in CEL, as in Java: unlike the quotient, the remainder does not overflow.
            return l % r;
        }
        throw LeftToCel.INSTANCE;
    }

    static Object negate(Object value) {
        if (value instanceof Long l) {
            if (l == Long.MIN_VALUE) {
                throw overflow();
            }
            return -l;
        }
        if (value instanceof Double d) {
            return -d;
        }
        throw LeftToCel.INSTANCE;
    }

    private static int compareNumbers(double left, double right) {
        if (Double.isNaN(left) || Double.isNaN(right)) {
            throw LeftToCel.INSTANCE;
        }
        // Not Double.compare: CEL, like IEEE 754, holds -0.0 == 0.0.
        return left < right ? -1 : left > right ? 1 : 0;
    }

    /** An int against a double: CEL orders -0.0 below 0 there, so that one case is left to it. */
    private static int compareMixed(double left, double right) {
        if (isNegativeZero(left) || isNegativeZero(right)) {
            throw LeftToCel.INSTANCE;
        }
        return compareNumbers(left, right);
    }

    private static boolean isNegativeZero(double value) {
        return Double.doubleToRawLongBits(value) == Long.MIN_VALUE;
    }

    private static double asDouble(Object value) {
        if (value instanceof Double d) {
            return d;
        }
        if (value instanceof Long l && l >= -EXACT_IN_DOUBLE && l <= EXACT_IN_DOUBLE) {
            return l;
        }
        throw LeftToCel.INSTANCE;
    }

    private static boolean hasSurrogates(String text) {
        for (int i = 0; i < text.length(); i++) {
            if (Character.isSurrogate(text.charAt(i))) {
                return true;
            }
        }
        return false;
    }

    static boolean inTimestampRange(Instant value) {
        return value.getEpochSecond() >= MIN_TIMESTAMP_SECONDS && value.getEpochSecond() <= MAX_TIMESTAMP_SECONDS;
    }

    private static Instant timestamp(Instant value) {
        if (!inTimestampRange(value)) {
            throw LeftToCel.INSTANCE;
        }
        return value;
    }

    /** A duration result; negative ones are left to CEL, whose runtime refuses some of them. */
    private static Duration duration(Duration value) {
        if (value.isNegative() || value.getSeconds() >= MAX_DURATION_SECONDS) {
            throw LeftToCel.INSTANCE;
        }
        return value;
    }

    private static EvaluationError overflow() {
        return new EvaluationError("integer overflow");
    }
}
