import pytest

from paperzoo_shared.testing import skip_reason


def test_marker_logic():
    assert skip_reason({"gpu"}, runslow=False, has_cuda=False, require_cuda=False) == "CUDA not available"
    assert skip_reason({"gpu"}, runslow=False, has_cuda=True, require_cuda=False) is None
    with pytest.raises(RuntimeError, match="REQUIRE_CUDA"):
        skip_reason({"gpu"}, runslow=False, has_cuda=False, require_cuda=True)
    assert "slow" in skip_reason({"slow"}, runslow=False, has_cuda=False, require_cuda=False)
    assert skip_reason({"slow"}, runslow=True, has_cuda=False, require_cuda=False) is None
    assert skip_reason(set(), runslow=False, has_cuda=False, require_cuda=False) is None


def test_require_cuda_fails_gpu_tests_in_a_real_run(pytester, monkeypatch):
    pytester.makeconftest("from paperzoo_shared.testing import *  # noqa\n")
    pytester.makepyfile(
        """
        import pytest

        @pytest.mark.gpu
        def test_needs_gpu():
            assert True

        @pytest.mark.slow
        def test_slow():
            assert True

        def test_plain():
            assert True
        """
    )
    import torch

    if torch.cuda.is_available():
        pytest.skip("this machine has CUDA")
    monkeypatch.delenv("RUN_SLOW", raising=False)
    monkeypatch.delenv("REQUIRE_CUDA", raising=False)
    res = pytester.runpytest_inprocess("-p", "no:cacheprovider")
    res.assert_outcomes(passed=1, skipped=2)
    monkeypatch.setenv("REQUIRE_CUDA", "1")
    res = pytester.runpytest_inprocess("-p", "no:cacheprovider")
    res.assert_outcomes(passed=1, skipped=1, errors=1)
    monkeypatch.setenv("RUN_SLOW", "1")
    res = pytester.runpytest_inprocess("-p", "no:cacheprovider", "--runslow")
    res.assert_outcomes(passed=2, errors=1)


def test_readme_snippets_and_needs(tmp_path):
    from paperzoo_shared.testing import readme_snippets, run_readme

    text = (
        "# x\n```python\nx = 1\n```\n\n```python needs=surely_missing_mod\nraise SystemExit\n```\n"
        "```python needs=json,reproduce\ny = x + 1\n```\n```bash\nls\n```\n"
    )
    blocks = readme_snippets(text)
    assert [b[0] for b in blocks] == [(), ("surely_missing_mod",), ("json", "reproduce")]
    (tmp_path / "README.md").write_text(text)
    assert run_readme("demo", tmp_path / "README.md") == (2, ["surely_missing_mod"])
    (tmp_path / "README.md").write_text("```python\nassert False, 'snippet ran'\n```\n")
    with pytest.raises(AssertionError, match="snippet ran"):
        run_readme("demo", tmp_path / "README.md")
    (tmp_path / "README.md").write_text("no code")
    with pytest.raises(AssertionError, match="no python snippet"):
        run_readme("demo", tmp_path / "README.md")


def test_check_wrong_device_judges_errors_and_results():
    import pytest
    import torch

    from paperzoo_shared.testing import check_wrong_device

    def raises(msg):
        def fn():
            raise RuntimeError(msg)

        return fn

    assert (
        check_wrong_device(raises("Expected all tensors to be on the same device, cuda:0 and cpu")) == "clear"
    )
    with pytest.raises(AssertionError, match="names no device"):
        check_wrong_device(raises("mat1 and mat2 shapes cannot be multiplied"))
    assert check_wrong_device(lambda: torch.ones(2), torch.ones(2)) == "sensible"
    with pytest.raises(AssertionError):
        check_wrong_device(lambda: torch.zeros(2), torch.ones(2))
    with pytest.raises(AssertionError, match="no expected result"):
        check_wrong_device(lambda: torch.ones(2))
