package dev.adam4j.optim.checkpoint;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.adam4j.optim.Adam;
import dev.adam4j.optim.DataBuffer;
import dev.adam4j.optim.Param;
import dev.adam4j.optim.StateDict;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A checkpoint is the optimizer's state dict in a file: every path runs the state-dict hooks. */
class CodecTest {

    @Test
    void savingRunsTheStateDictHooksAndWritesWhatTheyReturn(@TempDir Path dir) throws Exception {
        Param p = Param.of("p", new float[] {1, 2});
        p.setGrad(DataBuffer.of(new float[] {1, 1}));
        Adam opt = new Adam(List.of(p));
        opt.step();
        int[] pre = {0};
        opt.registerStateDictPreHook(o -> pre[0]++, false);
        opt.registerStateDictPostHook((o, sd) -> {
            StateDict.Group g = sd.paramGroups().get(0);
            Map<String, Object> options = new LinkedHashMap<>(g.options());
            options.put("lr", 0.25); // a hook that rewrites what is saved
            return new StateDict(sd.state(), List.of(new StateDict.Group(options, g.params(), g.paramNames())));
        }, false);
        Path f = dir.resolve("c.safetensors");
        Checkpoint.save(opt, f);
        assertEquals(1, pre[0], "the pre-hook ran once");
        assertTrue(SafetensorsFileAccess.metadata(f).get("param_groups").contains("\"lr\":0.25"));
        Adam other = new Adam(List.of(Param.of("p", new float[2])));
        Checkpoint.load(other, f);
        assertEquals(0.25, other.paramGroups().get(0).lr());
    }
}
