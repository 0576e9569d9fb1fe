NAME = "absolute imports agent"
