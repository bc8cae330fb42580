package io.cairn.server.it;

import io.cairn.server.node.StartupException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * A lost or damaged topic list, or a crash in the middle of a delete, must never turn into lost
 * records: the node either restores the topic or refuses to start, and deletes nothing it cannot
 * account for.
 */
class TopicDataSafetyIT {
    @TempDir
    Path dir;

    private void createTopicWithOneRecord() throws Exception {
        try (TestNode node = TestNode.start(dir)) {
            assertThat(node.http().createTopic("orders", 1).status()).isEqualTo(201);
            assertThat(node.http().produce("orders", "partition=0", "kept").status()).isEqualTo(200);
        }
    }

    @Test
    void aMissingTopicListStopsStartupAndDeletesNothing() throws Exception {
        createTopicWithOneRecord();
        Files.delete(dir.resolve("topics.state"));
        long filesBefore = countFiles(dir.resolve("topics"));

        assertThatThrownBy(() -> TestNode.start(dir))
            .isInstanceOf(StartupException.class)
            .hasMessageContaining("[orders]")
            .hasMessageContaining("refusing to start");
        assertThat(countFiles(dir.resolve("topics"))).isEqualTo(filesBefore);
    }

    @Test
    void aDeleteInterruptedBeforeItWasRecordedKeepsTheTopicAndItsRecords() throws Exception {
        createTopicWithOneRecord();
        // The state a crash leaves between moving the directory to the trash and persisting the list.
        Files.createDirectories(dir.resolve("trash"));
        Files.move(dir.resolve("topics/orders"), dir.resolve("trash/orders"));

        try (TestNode node = TestNode.start(dir)) {
            var page = node.http().consume("orders", "g", 0, "offset=0");
            assertThat(page.status()).isEqualTo(200);
            assertThat(page.json().path("messages").get(0).path("value").asText()).isEqualTo("kept");
        }
        assertThat(dir.resolve("trash/orders")).doesNotExist();
    }

    @Test
    void aDeleteInterruptedAfterItWasRecordedIsFinishedAtStartup() throws Exception {
        createTopicWithOneRecord();
        try (TestNode node = TestNode.start(dir)) {
            assertThat(node.http().delete("/broker/topics/orders").status()).isEqualTo(200);
        }
        // The state a crash leaves between persisting the list and deleting the trash.
        Files.createDirectories(dir.resolve("trash/orders/0"));
        Files.writeString(dir.resolve("trash/orders/0/leftover"), "x");

        try (TestNode node = TestNode.start(dir)) {
            assertThat(node.http().get("/broker/topics/orders").status()).isEqualTo(404);
        }
        assertThat(dir.resolve("trash/orders")).doesNotExist();
        assertThat(dir.resolve("topics/orders")).doesNotExist();
    }

    private static long countFiles(Path root) throws Exception {
        try (var walk = Files.walk(root)) {
            return walk.filter(Files::isRegularFile).count();
        }
    }
}
