package dev.adam4j.optim;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.adam4j.kernels.EpsilonMode;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * {@code eps_mode} in a state dict must be one of the exact names adam4j writes. Found by
 * {@code CheckpointFuzzTest} in a CI run: a file edited to say {@code "pyTorch"} loaded (the name was
 * upper-cased before lookup) and the optimizer then held {@code "pytorch"}, not what the file said.
 */
class EpsModeParsingTest {
    @Test
    void onlyTheNamesAdam4jWritesAreAccepted() {
        assertEquals(EpsilonMode.EPS_HAT, AdamOptions.parse(Map.of("eps_mode", "eps_hat"), AdamOptions.pytorchDefaults(), "group 0").epsMode);
        assertEquals(EpsilonMode.PYTORCH, AdamOptions.parse(Map.of("eps_mode", "pytorch"), AdamOptions.pytorchDefaults(), "group 0").epsMode);
        for (String bad : new String[] {"pyTorch", "PYTORCH", "Eps_hat", "eps-hat"}) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> AdamOptions.parse(Map.of("eps_mode", bad), AdamOptions.pytorchDefaults(), "group 0"));
            assertTrue(e.getMessage().contains("'" + bad + "'"), e.getMessage());
        }
    }
}
