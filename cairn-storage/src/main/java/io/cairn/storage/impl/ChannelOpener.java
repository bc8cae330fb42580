package io.cairn.storage.impl;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.OpenOption;
import java.nio.file.Path;

/**
 * Opens the file channels of a log. Production uses {@link #REAL}; fault tests wrap the real
 * channel to make a real file fail the way a full or broken disk does (ENOSPC, EIO on fsync).
 */
@FunctionalInterface
public interface ChannelOpener {
    FileChannel open(Path path, OpenOption... options) throws IOException;

    ChannelOpener REAL = FileChannel::open;
}
