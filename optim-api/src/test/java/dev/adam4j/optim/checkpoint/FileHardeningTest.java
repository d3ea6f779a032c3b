package dev.adam4j.optim.checkpoint;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.adam4j.optim.Adam;
import dev.adam4j.optim.DataBuffer;
import dev.adam4j.optim.Param;
import dev.adam4j.optim.StateDict;
import java.io.RandomAccessFile;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.TreeMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Defects of the file layer found by attacking it from outside; each test failed before its fix. */
class FileHardeningTest {

    static Adam trained(int n, int steps) {
        float[] w = new float[n], g = new float[n];
        for (int i = 0; i < n; i++) {
            w[i] = (float) Math.sin(i);
            g[i] = (float) Math.cos(i * 0.1) * 1e-2f;
        }
        Param p = Param.of("w", w);
        p.setGrad(DataBuffer.of(g));
        Adam opt = new Adam(List.of(p));
        for (int s = 0; s < steps; s++) opt.step();
        return opt;
    }

    static Adam fresh(int n) {
        return new Adam(List.of(Param.of("w", new float[n])));
    }

    @Test
    void aFileRewrittenInPlaceDuringALoadGivesACheckpointExceptionNeverACrash(@TempDir Path dir) throws Exception {
        int n = 1 << 20;
        Path a = dir.resolve("a.safetensors"), b = dir.resolve("b.safetensors"), target = dir.resolve("run.safetensors");
        Checkpoint.save(trained(n, 1), a);
        Checkpoint.save(trained(n, 2), b);
        byte[][] versions = {Files.readAllBytes(a), Files.readAllBytes(b)};
        Files.write(target, versions[0]);
        AtomicBoolean stop = new AtomicBoolean();
        Thread writer = new Thread(() -> { // what `cp new run` does: truncate, then write
            for (int k = 0; !stop.get(); k++) {
                try (var ch = Files.newByteChannel(target, StandardOpenOption.WRITE, StandardOpenOption.TRUNCATE_EXISTING)) {
                    ByteBuffer buf = ByteBuffer.wrap(versions[k & 1]);
                    while (buf.hasRemaining()) ch.write(buf);
                } catch (Exception ignored) {
                    // keep racing
                }
            }
        });
        writer.start();
        int loaded = 0, refused = 0;
        try {
            for (int i = 0; i < 40; i++) {
                Adam opt = fresh(n);
                try {
                    Checkpoint.load(opt, target);
                    long step = opt.state(opt.paramGroups().get(0).params().get(0)).step();
                    assertTrue(step == 1 || step == 2, "a complete version, step " + step);
                    loaded++;
                } catch (CheckpointException e) {
                    refused++; // never an Error, never a crash
                }
            }
        } finally {
            stop.set(true);
            writer.join();
        }
        assertEquals(40, loaded + refused);
    }

    @Test
    void aSaveTouchesNoFileButItsOwnAndConcurrentSavesAllSucceed(@TempDir Path dir) throws Exception {
        Path users = dir.resolve(".model.best.123.tmp");
        Files.writeString(users, "mine");
        Adam opt = trained(1000, 1);
        ExecutorService pool = Executors.newFixedThreadPool(3);
        try {
            List<Future<?>> saves = new ArrayList<>();
            for (int i = 0; i < 60; i++) {
                Path t = dir.resolve(i % 3 == 2 ? "model.opt" : "model");
                saves.add(pool.submit(() -> {
                    Checkpoint.save(opt, t);
                    return null;
                }));
            }
            for (Future<?> f : saves) f.get(60, TimeUnit.SECONDS); // every save succeeds
        } finally {
            pool.shutdownNow();
        }
        assertEquals("mine", Files.readString(users), "a user's file is never deleted");
        Checkpoint.load(fresh(1000), dir.resolve("model"));
        Checkpoint.load(fresh(1000), dir.resolve("model.opt"));
        try (var files = Files.list(dir)) {
            assertEquals(3, files.count(), "no temporary file left");
        }
    }

    @Test
    void aFileNameOf255BytesCanBeSaved(@TempDir Path dir) throws Exception {
        Path f = dir.resolve("c".repeat(255 - ".safetensors".length()) + ".safetensors");
        Checkpoint.save(trained(10, 1), f);
        Checkpoint.load(fresh(10), f);
    }

    @Test
    void damageToTheChecksumKeyCannotSwitchTheChecksumOff(@TempDir Path dir) throws Exception {
        Path f = dir.resolve("c.safetensors");
        Checkpoint.save(trained(64, 1), f);
        byte[] bytes = Files.readAllBytes(f);
        String all = new String(bytes, StandardCharsets.ISO_8859_1);
        int at = all.indexOf("adam4j.crc32c");
        bytes[at + "adam4j.crc32".length()] ^= 0x01; // crc32c -> crc32b
        bytes[bytes.length - 5] ^= 0x10; // and a data bit
        Files.write(f, bytes);
        CheckpointException e = assertThrows(CheckpointException.class, () -> Checkpoint.load(fresh(64), f));
        assertTrue(e.getMessage().contains("no adam4j.crc32c"), e.getMessage());
    }

    @Test
    void aStepCountAbove2To53RoundTripsExactly(@TempDir Path dir) throws Exception {
        Adam opt = trained(4, 1);
        StateDict sd = opt.stateDict();
        TreeMap<Integer, StateDict.ParamState> s = new TreeMap<>(sd.state());
        StateDict.ParamState ps = s.get(0);
        long big = (1L << 53) + 1;
        s.put(0, new StateDict.ParamState(big, ps.expAvg(), ps.expAvgSq(), null));
        opt.loadStateDict(new StateDict(s, sd.paramGroups()));
        Path f = dir.resolve("c.safetensors");
        Checkpoint.save(opt, f);
        Adam back = fresh(4);
        Checkpoint.load(back, f);
        assertEquals(big, back.state(back.paramGroups().get(0).params().get(0)).step());
    }

    /** A minimal safetensors file with the given header JSON bytes and no data. */
    static Path rawFile(Path f, byte[] header) throws Exception {
        ByteBuffer b = ByteBuffer.allocate(8 + header.length).order(ByteOrder.LITTLE_ENDIAN);
        b.putLong(header.length).put(header);
        Files.write(f, b.array());
        return f;
    }

    @Test
    void invalidUtf8AndUtf16HeadersAreRefusedClearly(@TempDir Path dir) throws Exception {
        byte[] overlong = "{\"__metadata__\":{\"k\":\"\u0000\"}}".getBytes(StandardCharsets.UTF_8);
        // replace the NUL by an overlong two-byte form of '/'
        List<Byte> bytes = new ArrayList<>();
        for (byte x : overlong) {
            if (x == 0) { bytes.add((byte) 0xC0); bytes.add((byte) 0xAF); } else bytes.add(x);
        }
        byte[] h = new byte[bytes.size()];
        for (int i = 0; i < h.length; i++) h[i] = bytes.get(i);
        CheckpointException e = assertThrows(CheckpointException.class, () -> SafetensorsFile.open(rawFile(dir.resolve("o"), h)));
        assertTrue(e.getMessage().contains("UTF-8"), e.getMessage());
        byte[] utf16 = "{\"__metadata__\":{}}".getBytes(StandardCharsets.UTF_16LE);
        CheckpointException e16 = assertThrows(CheckpointException.class, () -> SafetensorsFile.open(rawFile(dir.resolve("u"), utf16)));
        assertTrue(!e16.getMessage().contains("Index -1"), e16.getMessage());
    }

    @Test
    void aFifoIsRefusedInsteadOfBlocking(@TempDir Path dir) throws Exception {
        Path fifo = dir.resolve("pipe");
        Process p = new ProcessBuilder("mkfifo", fifo.toString()).start();
        assertEquals(0, p.waitFor());
        CheckpointException e = assertThrows(CheckpointException.class, () -> Checkpoint.load(fresh(4), fifo));
        assertTrue(e.getMessage().contains("not a regular file"), e.getMessage());
    }

    @Test
    void namesAreMatchedBeforeTheDataIsReadOrChecksummed(@TempDir Path dir) throws Exception {
        // 8 GiB of sparse data under a name the optimizer does not have, and a wrong checksum: reading
        // the data first would report the checksum (after a long read); the names are checked first.
        long n = 1L << 30;
        String header = "{\"__metadata__\":{\"format\":\"pt\",\"adam4j.schema\":\"adam4j-optimizer/1\",\"optimizer\":\"Adam\","
                + "\"param_groups\":\"[{\\\"lr\\\":0.001,\\\"params\\\":[0]}]\",\"adam4j.crc32c\":\"00000000\"},"
                + "\"state.7.exp_avg\":{\"dtype\":\"F64\",\"shape\":[" + n + "],\"data_offsets\":[0," + (8 * n) + "]}}";
        byte[] h = header.getBytes(StandardCharsets.UTF_8);
        Path f = dir.resolve("sparse.safetensors");
        rawFile(f, h);
        try (RandomAccessFile r = new RandomAccessFile(f.toFile(), "rw")) {
            r.setLength(8 + h.length + 8 * n);
        }
        CheckpointException e = assertThrows(CheckpointException.class, () -> Checkpoint.load(fresh(4), f));
        assertTrue(e.getMessage().contains("parameter id 7"), e.getMessage());
    }

    @Test
    void checkpointsGetTheUmasksPermissionsLikeAnyNewFile(@TempDir Path dir) throws Exception {
        Path plain = Files.createFile(dir.resolve("plain"));
        Path f = dir.resolve("c.safetensors");
        Checkpoint.save(trained(4, 1), f);
        assertEquals(Files.getPosixFilePermissions(plain), Files.getPosixFilePermissions(f));
    }

    @Test
    void savingThroughASymbolicLinkReplacesTheFileItPointsTo(@TempDir Path dir) throws Exception {
        Path real = dir.resolve("real.safetensors"), link = dir.resolve("link.safetensors");
        Checkpoint.save(trained(4, 1), real);
        Files.createSymbolicLink(link, real.getFileName());
        Checkpoint.save(trained(4, 3), link);
        assertTrue(Files.isSymbolicLink(link), "the link stays a link");
        Adam back = fresh(4);
        Checkpoint.load(back, real);
        assertEquals(3, back.state(back.paramGroups().get(0).params().get(0)).step());
    }

    @Test
    void savingIntoAMissingDirectorySaysSo(@TempDir Path dir) {
        CheckpointException e = assertThrows(CheckpointException.class,
                () -> Checkpoint.save(trained(4, 1), dir.resolve("nope").resolve("c.safetensors")));
        assertTrue(e.getMessage().contains("does not exist"), e.getMessage());
        assertArrayEquals(new String[0], dir.toFile().list());
    }
}
