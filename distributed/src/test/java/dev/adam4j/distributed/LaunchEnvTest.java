package dev.adam4j.distributed;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

class LaunchEnvTest {
    static Map<String, String> env(String rank, String size, String addr, String port) {
        Map<String, String> m = new HashMap<>();
        if (rank != null) m.put("RANK", rank);
        if (size != null) m.put("WORLD_SIZE", size);
        if (addr != null) m.put("MASTER_ADDR", addr);
        if (port != null) m.put("MASTER_PORT", port);
        return m;
    }

    @Test
    void readsTorchrunsVariables() {
        LaunchEnv e = LaunchEnv.from(env("2", "3", "127.0.0.1", "29500"));
        assertEquals(new LaunchEnv(2, 3, "127.0.0.1", 29500), e);
        assertEquals(e, LaunchEnv.from(e.toEnvironment()));
    }

    @Test
    void namesTheMissingOrBadVariable() {
        String[][] bad = {{null, "2", "h", "1", "RANK is not set"}, {"0", null, "h", "1", "WORLD_SIZE is not set"},
                {"0", "2", null, "1", "MASTER_ADDR is not set"}, {"0", "2", "h", null, "MASTER_PORT is not set"},
                {"x", "2", "h", "1", "RANK is not an integer: 'x'"}, {"2", "2", "h", "1", "Invalid RANK: 2"},
                {"0", "0", "h", "1", "Invalid WORLD_SIZE: 0"}, {"0", "2", "h", "70000", "Invalid MASTER_PORT: 70000"},
                {"0", "2", " ", "1", "MASTER_ADDR is empty"}};
        for (String[] b : bad) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> LaunchEnv.from(env(b[0], b[1], b[2], b[3])));
            assertTrue(e.getMessage().contains(b[4]), e.getMessage());
        }
    }
}
