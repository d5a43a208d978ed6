package io.netfrag.testing;

import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;
import java.util.EnumSet;
import java.util.Set;
import org.junit.jupiter.api.extension.ConditionEvaluationResult;
import org.junit.jupiter.api.extension.ExecutionCondition;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * A test (or every test of a class) that needs a {@link Feature} of the machine. Where the feature is missing the
 * test is skipped — Surefire reports it as skipped with the reason, and one line on the console says what is missing
 * and how to run it — unless the run demands the feature ({@code -Dnetfrag.require=epoll,gso,io_uring,accp,tun} or
 * the environment variable {@code NETFRAG_REQUIRE}, as {@code .ci/run} sets it): then the test fails, so a green CI
 * run proves that these tests ran.
 */
@Retention(RetentionPolicy.RUNTIME)
@Target({ElementType.TYPE, ElementType.METHOD})
@ExtendWith(Requires.Condition.class)
public @interface Requires {
    /** The features the test needs. */
    Feature[] value();

    /** Evaluates {@link Requires} per test, so that each skipped test is reported with its reason. */
    final class Condition implements ExecutionCondition {
        private static final Set<Feature> ANNOUNCED = EnumSet.noneOf(Feature.class);

        @Override
        public ConditionEvaluationResult evaluateExecutionCondition(ExtensionContext context) {
            if (context.getTestMethod().isEmpty()) {
                return ConditionEvaluationResult.enabled("decided per test");
            }
            java.util.List<Feature> required = Feature.required(); // a mistyped feature fails every run, not just one
            EnumSet<Feature> needed = EnumSet.noneOf(Feature.class);
            context.getTestClass().map(c -> c.getAnnotation(Requires.class))
                    .ifPresent(r -> needed.addAll(java.util.List.of(r.value())));
            context.getTestMethod().map(m -> m.getAnnotation(Requires.class))
                    .ifPresent(r -> needed.addAll(java.util.List.of(r.value())));
            for (Feature f : needed) {
                String reason = f.unavailable();
                if (reason == null) {
                    continue;
                }
                if (required.contains(f)) {
                    throw new IllegalStateException("this run requires " + f.token() + " (netfrag.require), but: "
                            + reason);
                }
                announce(f, reason);
                return ConditionEvaluationResult.disabled(f.token() + " unavailable: " + reason);
            }
            return ConditionEvaluationResult.enabled("every feature needed is here");
        }

        private static void announce(Feature f, String reason) {
            synchronized (ANNOUNCED) {
                if (ANNOUNCED.add(f)) {
                    System.out.println("netfrag: tests that need " + f.token() + " are SKIPPED: " + reason
                            + ". As root on Linux they run: sudo mvn -B -ntp verify -Dnetfrag.require=epoll,gso,io_uring,accp,tun "
                            + "(which turns a skip into a failure).");
                }
            }
        }
    }
}
