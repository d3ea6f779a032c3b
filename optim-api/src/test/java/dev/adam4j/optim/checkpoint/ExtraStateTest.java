package dev.adam4j.optim.checkpoint;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.adam4j.optim.Adam;
import dev.adam4j.optim.DataBuffer;
import dev.adam4j.optim.Param;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The state dicts that drive an optimizer (schedulers, scalers) travel in its checkpoint. */
class ExtraStateTest {

    @Test
    void extraStatesRoundTripWithPythonsNonFiniteNumbers(@TempDir Path dir) throws Exception {
        Param p = Param.of("p", new float[] {1, 2});
        p.setGrad(DataBuffer.of(new float[] {1, 1}));
        Adam opt = new Adam(List.of(p));
        opt.step();
        Map<String, Object> sched = new LinkedHashMap<>();
        sched.put("last_epoch", 7L);
        sched.put("base_lrs", List.of(0.001, 0.1));
        sched.put("best", Double.POSITIVE_INFINITY);
        sched.put("worst", Double.NEGATIVE_INFINITY);
        sched.put("nan", Double.NaN);
        sched.put("mode", "min");
        sched.put("verbose", false);
        sched.put("nothing", null);
        sched.put("nested", Map.of("k", List.of(1L, 2L)));
        Path f = dir.resolve("c.safetensors");
        Checkpoint.save(opt, f, Checkpoint.SaveOptions.defaults().withExtraState("lr_scheduler", sched));
        Map<String, Map<String, Object>> extras = Checkpoint.load(new Adam(List.of(Param.of("p", new float[2]))), f);
        Map<String, Object> back = extras.get("lr_scheduler");
        assertEquals(7L, back.get("last_epoch"));
        assertEquals(List.of(0.001, 0.1), back.get("base_lrs"));
        assertEquals(Double.POSITIVE_INFINITY, back.get("best"));
        assertEquals(Double.NEGATIVE_INFINITY, back.get("worst"));
        assertTrue(((Double) back.get("nan")).isNaN());
        assertEquals("min", back.get("mode"));
        assertEquals(false, back.get("verbose"));
        assertTrue(back.containsKey("nothing") && back.get("nothing") == null);
        assertEquals(Map.of("k", List.of(1L, 2L)), back.get("nested"));
    }

    @Test
    void aValueWithoutJsonFormIsRefusedBeforeWriting(@TempDir Path dir) {
        Adam opt = new Adam(List.of(Param.of("p", new float[2])));
        Path f = dir.resolve("c.safetensors");
        CheckpointException e = assertThrows(CheckpointException.class, () -> Checkpoint.save(opt, f,
                Checkpoint.SaveOptions.defaults().withExtraState("s", Map.of("x", new int[] {1}))));
        assertTrue(e.getMessage().contains("s.x"), e.getMessage());
        assertTrue(!f.toFile().exists());
        assertTrue(Arrays.asList(dir.toFile().list()).isEmpty(), "no temporary file left");
    }
}
