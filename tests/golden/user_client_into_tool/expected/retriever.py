"""A small retriever over a Vector Search index, reached with whatever client it is given."""


class IndexRetriever:
    def __init__(self, index_name, workspace_client):
        self.index_name = index_name
        self.client = workspace_client

    def search(self, text):
        result = self.client.vector_search_indexes.query_index(
            index_name=self.index_name, columns=["text"], query_text=text, num_results=1
        )
        rows = result.result.data_array or []
        return " ".join(str(row[0]) for row in rows)
