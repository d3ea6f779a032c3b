package dev.adam4j.kernels;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Which provider runs, asserted from what the build asked for ({@code -Dadam4j.test.expect} and
 * {@code -Dadam4j.test.expectBits}, set per Surefire execution in kernels/pom.xml), so that a run
 * meant to test the vector kernel can never pass on the scalar fallback, and the fallback run proves
 * no Vector API class was loaded.
 */
class KernelProviderTest {

    static final String EXPECT = System.getProperty("adam4j.test.expect", "");

    @Test
    void theExpectedProviderIsActive() {
        assumeTrue(!EXPECT.isEmpty(), "run outside the build: no expectation set");
        // Step something first, so the provider is chosen through the normal path.
        float[] p = {1f}, g = {0.5f}, m = {0f}, v = {0f};
        AdamKernels.step(AdamHyperparameters.defaults(), 1, 1.0, p, g, m, v, null);
        assertEquals(EXPECT, AdamKernels.providerName());
    }

    /** The widest vectors this x86 CPU has, from /proc/cpuinfo (independent of the JVM's choice). */
    static int cpuVectorBits() throws IOException {
        Path cpuinfo = Path.of("/proc/cpuinfo");
        assumeTrue(Files.isReadable(cpuinfo), "no /proc/cpuinfo: cannot tell this CPU's vector width");
        String flags = Files.readAllLines(cpuinfo).stream().filter(l -> l.startsWith("flags")).findFirst().orElse("");
        return flags.contains(" avx512f") ? 512 : flags.contains(" avx2") ? 256 : 128;
    }

    @Test
    void theVectorWidthIsTheOneRequested() throws IOException {
        assumeTrue(EXPECT.equals("vector"), "not a vector run");
        int requested = Integer.getInteger("adam4j.test.expectBits");
        int hardwareBits = cpuVectorBits();
        // MaxVectorSize is clamped to what the CPU has: on a machine without AVX-512 the 512-bit run
        // cannot happen, and this says so as a visible skip rather than a pass.
        assumeTrue(hardwareBits >= requested,
                "this CPU's vectors are " + hardwareBits + " bits, the run asked for " + requested);
        assertEquals(requested, AdamKernels.vectorBitSize());
    }

    @Test
    void theScalarFallbackLoadsNoVectorApiClass() throws IOException {
        assumeTrue(EXPECT.equals("scalar"), "not the fallback run");
        assertEquals(0, AdamKernels.vectorBitSize());
        assertTrue(ModuleLayer.boot().findModule("jdk.incubator.vector").isEmpty(),
                "the fallback run must not have the incubator module");
        Path log = Path.of(System.getProperty("adam4j.test.classLog", "target/class-load-scalar.log"));
        assertTrue(Files.exists(log), "the fallback run logs class loading to " + log);
        List<String> offending = Files.readAllLines(log).stream()
                .filter(l -> l.contains("jdk.incubator.vector") || l.contains("dev.adam4j.kernels.internal.vector"))
                .toList();
        assertTrue(Files.readString(log).contains("dev.adam4j.kernels.internal.ScalarProvider"),
                "the class log must show the scalar provider loading (is it the right log?)");
        assertFalse(!offending.isEmpty(), "classes loaded in the fallback run: " + offending);
    }
}
