"""The two lists cadres download, a ward's residents and a province's wards, as CSV or XLSX.

- `tables`: each list's ONE definition of its columns (headings and how each value
  is read), shared with the Wagtail admin's report, and which list export
  parameters name, for whom.
- `files`: writing a table as CSV or XLSX, chunk by chunk, in bounded memory.
- `jobs`: the background export's life: requested, built by a worker, stored, cleaned up.
- `delivery`: a short list is written in the request, a long one goes to the background.
"""
