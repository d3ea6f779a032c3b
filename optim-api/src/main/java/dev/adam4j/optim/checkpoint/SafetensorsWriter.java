package dev.adam4j.optim.checkpoint;

import com.fasterxml.jackson.core.JsonGenerator;
import dev.adam4j.optim.DataBuffer;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.List;
import java.util.Map;
import java.util.zip.CRC32C;
import java.security.SecureRandom;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Writes a safetensors file so that nothing is ever lost: the bytes go to a temporary file in the
 * target's directory, which is forced to disk and then atomically renamed over the target, and the
 * directory is forced too. A crash or an exception at any moment leaves either the previous file or
 * the new one, complete; a failed write removes its temporary file.
 *
 * <p>Tensors are laid out in the order given, back to back from offset 0; the header is padded with
 * spaces so the byte buffer starts 8-byte aligned.
 */
public final class SafetensorsWriter {
    private SafetensorsWriter() {}

    /** One tensor to write: its values come from {@code source} (or {@code scalar} for a 0-rank I64). */
    public record Entry(String name, Dtype dtype, long[] shape, DataBuffer source, long scalar) {
        public static Entry of(String name, Dtype dtype, long[] shape, DataBuffer source) {
            return new Entry(name, dtype, shape.clone(), source, 0);
        }

        /** A 0-rank I64 tensor. */
        public static Entry scalar(String name, long value) {
            return new Entry(name, Dtype.I64, new long[0], null, value);
        }

        long count() {
            long c = 1;
            for (long d : shape) c = Math.multiplyExact(c, d);
            return c;
        }

        long bytes() {
            return Math.multiplyExact(count(), dtype.byteSize());
        }
    }

    /** The metadata key of the file's CRC-32C, as 8 lower-case hex digits. */
    public static final String CHECKSUM_KEY = "adam4j.crc32c";
    static final String CHECKSUM_PLACEHOLDER = "00000000";

    /** Temporary files: {@code .adam4j-<tag of the target's name>-<pid>-<random>.tmp}. */
    private static final Pattern TEMP = Pattern.compile("\\.adam4j-([0-9a-f]{8})-([0-9]{1,19})-[0-9a-f]{16}\\.tmp");
    private static final SecureRandom RANDOM = new SecureRandom();

    /**
     * Writes {@code entries} and {@code metadata} to {@code target}, atomically, adding
     * {@value #CHECKSUM_KEY}: the CRC-32C of the whole file computed with those 8 digits read as
     * {@code 00000000}, so that a reader detects a flipped bit anywhere, header included.
     *
     * <p>The data goes to a temporary file in the same directory, named
     * {@code .adam4j-<tag>-<pid>-<random>.tmp} (at most 51 bytes, whatever the target's name; the tag
     * is a hash of the target's name), which is forced to disk and renamed over the target; the
     * directory is forced too. Concurrent saves, to one target or to several, each use their own
     * temporary file, and the last rename wins. A save removes only temporary files of its own target
     * whose process no longer runs (left by a crash). The file gets the permissions the umask gives
     * new files. When {@code target} is a symbolic link, the file it points to is replaced (as most
     * tools write through a link) and the link is kept.
     */
    public static void write(Path target, Map<String, String> metadata, List<Entry> entries) throws CheckpointException {
        Path dest = resolve(target);
        Path dir = dest.getParent();
        String tag = String.format("%08x", tagOf(dest.getFileName().toString()));
        Path tmp = null;
        try {
            if (metadata.containsKey(CHECKSUM_KEY)) throw new CheckpointException("metadata key " + CHECKSUM_KEY + " is reserved");
            Map<String, String> meta = new java.util.LinkedHashMap<>(metadata);
            meta.put(CHECKSUM_KEY, CHECKSUM_PLACEHOLDER);
            byte[] header = header(meta, entries);
            int digits = checksumDigits(header);
            CRC32C crc = new CRC32C();
            tmp = dir.resolve(".adam4j-" + tag + "-" + ProcessHandle.current().pid() + "-"
                    + String.format("%016x", RANDOM.nextLong()) + ".tmp");
            try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
                ByteBuffer len = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(0, header.length);
                crc.update(len.duplicate());
                writeFully(ch, len);
                crc.update(header);
                writeFully(ch, ByteBuffer.wrap(header));
                ByteBuffer chunk = ByteBuffer.allocateDirect(1 << 20).order(ByteOrder.LITTLE_ENDIAN);
                for (Entry e : entries) writeTensor(ch, chunk, e, crc);
                byte[] hex = String.format("%08x", crc.getValue()).getBytes(java.nio.charset.StandardCharsets.US_ASCII);
                ByteBuffer patch = ByteBuffer.wrap(hex);
                while (patch.hasRemaining()) ch.write(patch, 8 + digits + patch.position());
                ch.force(true);
            }
            try {
                Files.move(tmp, dest, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            } catch (AtomicMoveNotSupportedException e) {
                throw new CheckpointException(target + ": the file system cannot rename atomically; refusing to risk the previous checkpoint", e);
            }
            tmp = null;
            forceDirectory(dir);
            removeOrphans(dir, tag);
        } catch (CheckpointException e) {
            throw e;
        } catch (IOException | RuntimeException e) {
            throw new CheckpointException(target + ": cannot write: " + e, e);
        } finally {
            if (tmp != null) {
                try {
                    Files.deleteIfExists(tmp);
                } catch (IOException ignored) {
                    // the temporary file is ours alone; the target itself is untouched
                }
            }
        }
    }

    /** The file to replace: {@code target}, or the file a symbolic link points to; its directory must exist. */
    private static Path resolve(Path target) throws CheckpointException {
        Path t = target.toAbsolutePath();
        if (t.getFileName() == null) throw new CheckpointException(target + " names a directory, not a file");
        try {
            for (int hops = 0; Files.isSymbolicLink(t); hops++) {
                if (hops > 40) throw new CheckpointException(target + ": too many levels of symbolic links");
                t = t.resolveSibling(Files.readSymbolicLink(t)).toAbsolutePath().normalize();
            }
        } catch (IOException e) {
            throw new CheckpointException(target + ": cannot follow the symbolic link: " + e.getMessage(), e);
        }
        Path dir = t.getParent();
        if (!Files.isDirectory(dir)) {
            throw new CheckpointException(target + ": the directory " + dir + (Files.exists(dir) ? " is not a directory" : " does not exist"));
        }
        if (Files.isDirectory(t)) throw new CheckpointException(target + " is a directory");
        return t;
    }

    private static int tagOf(String name) {
        CRC32C c = new CRC32C();
        c.update(name.getBytes(java.nio.charset.StandardCharsets.UTF_8));
        return (int) c.getValue();
    }

    /**
     * Deletes temporary files of earlier saves of the same target that a crash left behind: same
     * tag, and a process id that no longer runs. Another thread's or process's save in progress is
     * never touched. Best effort.
     */
    private static void removeOrphans(Path dir, String tag) {
        try (var files = Files.list(dir)) {
            for (Path p : files.toList()) {
                Matcher m = TEMP.matcher(p.getFileName().toString());
                if (m.matches() && m.group(1).equals(tag)) {
                    long pid = Long.parseLong(m.group(2));
                    if (ProcessHandle.of(pid).isEmpty()) Files.deleteIfExists(p);
                }
            }
        } catch (IOException | RuntimeException ignored) {
            // leaving a stale temporary file is harmless; the checkpoint itself is complete
        }
    }

    /** Makes the rename durable (Linux allows fsync on a directory opened for reading). */
    private static void forceDirectory(Path dir) {
        try (FileChannel d = FileChannel.open(dir, StandardOpenOption.READ)) {
            d.force(true);
        } catch (IOException ignored) {
            // some platforms cannot open directories; the rename itself is still atomic
        }
    }

    static byte[] header(Map<String, String> metadata, List<Entry> entries) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (JsonGenerator g = SafetensorsFile.JSON.createGenerator(out)) {
            g.writeStartObject();
            if (!metadata.isEmpty()) {
                g.writeObjectFieldStart("__metadata__");
                for (Map.Entry<String, String> m : metadata.entrySet()) g.writeStringField(m.getKey(), m.getValue());
                g.writeEndObject();
            }
            long offset = 0;
            for (Entry e : entries) {
                g.writeObjectFieldStart(e.name());
                g.writeStringField("dtype", e.dtype().name());
                g.writeArrayFieldStart("shape");
                for (long d : e.shape()) g.writeNumber(d);
                g.writeEndArray();
                g.writeArrayFieldStart("data_offsets");
                g.writeNumber(offset);
                offset += e.bytes();
                g.writeNumber(offset);
                g.writeEndArray();
                g.writeEndObject();
            }
            g.writeEndObject();
        }
        byte[] json = out.toByteArray();
        int padded = (json.length + 7) & ~7; // 8 + header is then a multiple of 8
        byte[] h = new byte[padded];
        System.arraycopy(json, 0, h, 0, json.length);
        for (int i = json.length; i < padded; i++) h[i] = ' ';
        if (padded > SafetensorsFile.MAX_HEADER_BYTES) {
            throw new CheckpointException("the header would be " + padded + " bytes, over the 100 MB cap");
        }
        return h;
    }

    private static void writeFully(FileChannel ch, ByteBuffer b) throws IOException {
        while (b.hasRemaining()) ch.write(b);
    }

    /** Index in {@code header} of the checksum's 8 digits: the one place its key and placeholder appear. */
    static int checksumDigits(byte[] header) throws CheckpointException {
        byte[] needle = ("\"" + CHECKSUM_KEY + "\":\"").getBytes(java.nio.charset.StandardCharsets.US_ASCII);
        int found = -1;
        for (int i = 0; i + needle.length + 9 <= header.length; i++) {
            if (java.util.Arrays.equals(header, i, i + needle.length, needle, 0, needle.length) && header[i + needle.length + 8] == '"') {
                if (found >= 0) throw new CheckpointException("the header names " + CHECKSUM_KEY + " twice");
                found = i + needle.length;
            }
        }
        if (found < 0) throw new CheckpointException("the header's " + CHECKSUM_KEY + " field is not in its compact form");
        return found;
    }

    private static void writeTensor(FileChannel ch, ByteBuffer chunk, Entry e, CRC32C crc) throws IOException {
        if (e.source() == null) {
            chunk.clear();
            chunk.putLong(e.scalar()).flip();
            crc.update(chunk.duplicate());
            writeFully(ch, chunk);
            return;
        }
        DataBuffer src = e.source();
        long n = e.count();
        if (src.length() != n) throw new CheckpointException("tensor " + e.name() + ": " + src.length() + " values for shape of " + n);
        MemorySegment chunkSeg = MemorySegment.ofBuffer(chunk.duplicate().clear()); // the whole chunk, whatever its position
        int per = chunk.capacity() / e.dtype().byteSize();
        for (long start = 0; start < n; start += per) {
            int k = (int) Math.min(per, n - start);
            fill(chunkSeg, e.dtype(), src, start, k);
            chunk.clear().limit(k * e.dtype().byteSize());
            crc.update(chunk.duplicate());
            writeFully(ch, chunk);
        }
    }

    /** Converts {@code k} values from {@code src[start..]} into little-endian {@code dtype} at the chunk's start. */
    private static void fill(MemorySegment chunk, Dtype dtype, DataBuffer src, long start, int k) {
        if (dtype == Dtype.F32 && src instanceof DataBuffer.F32Array a) {
            MemorySegment.copy(a.array(), a.offset() + (int) start, chunk, SafetensorsFile.LE_F32, 0, k);
            return;
        }
        if (dtype == Dtype.F64 && src instanceof DataBuffer.F64Array a) {
            MemorySegment.copy(a.array(), a.offset() + (int) start, chunk, SafetensorsFile.LE_F64, 0, k);
            return;
        }
        if (src instanceof DataBuffer.Segment s && s.precision().byteSize() == dtype.byteSize()
                && (dtype == Dtype.F32 || dtype == Dtype.F64)) {
            ValueLayout layout = dtype == Dtype.F32 ? SafetensorsFile.LE_F32 : SafetensorsFile.LE_F64;
            ValueLayout nativeLayout = dtype == Dtype.F32 ? ValueLayout.JAVA_FLOAT_UNALIGNED : ValueLayout.JAVA_DOUBLE_UNALIGNED;
            MemorySegment.copy(s.segment(), nativeLayout, (s.offset() + start) * dtype.byteSize(), chunk, layout, 0, k);
            return;
        }
        if (src instanceof DataBuffer.HalfArray a && a.precision().name().equals(dtype.name())) { // the bits, unchanged
            MemorySegment.copy(a.array(), a.offset() + (int) start, chunk, SafetensorsFile.LE_I16, 0, k);
            return;
        }
        for (int i = 0; i < k; i++) {
            double v = src.get(start + i);
            switch (dtype) {
                case F32 -> chunk.setAtIndex(SafetensorsFile.LE_F32, i, (float) v);
                case F64 -> chunk.setAtIndex(SafetensorsFile.LE_F64, i, v);
                case F16 -> chunk.setAtIndex(SafetensorsFile.LE_I16, i, Float.floatToFloat16((float) v));
                case BF16 -> chunk.setAtIndex(SafetensorsFile.LE_I16, i, Dtype.toBf16((float) v));
                case I64 -> chunk.setAtIndex(SafetensorsFile.LE_I64, i, (long) v);
            }
        }
    }

}
