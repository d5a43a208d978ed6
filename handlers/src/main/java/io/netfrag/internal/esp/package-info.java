/**
 * Internal: the ESP machinery behind {@link io.netfrag.esp}: the AEAD engines (the JCA and Bouncy Castle) and
 * the anti-replay window. Public only so that netfrag's own packages, tests and benchmarks reach them; not API, and
 * they may change in any release.
 */
package io.netfrag.internal.esp;
