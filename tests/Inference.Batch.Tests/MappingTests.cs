using Inference.Batch.Jobs;
using Inference.Batch.Models;

namespace Inference.Batch.Tests;

public sealed class MappingTests
{
    private static readonly ModelDescription Iris = new(
        "iris", "1", "",
        [new TensorSpec("input", "FP32", [-1, 4])],
        [new TensorSpec("label", "INT64", [-1])]);

    [Fact]
    public void Bind_ColumnNamedAsAVectorInput_IsAListColumn()
    {
        var binding = RowMapper.Bind(Iris, ["id", "input"], []).Bindings.Single();

        Assert.True(binding.FromList);
        Assert.Equal([1], binding.Columns);
    }

    [Fact]
    public void Bind_IndexedColumns_AreTheInputsElementsInOrder()
    {
        var binding = RowMapper.Bind(Iris, ["input_2", "input_0", "x", "input_1", "input_3"], []).Bindings.Single();

        Assert.False(binding.FromList);
        Assert.Equal([1, 3, 0, 4], binding.Columns);
    }

    [Fact]
    public void Bind_RangeMapping_TakesTheColumnsBetweenInFileOrder()
    {
        var binding = RowMapper.Bind(Iris, ["id", "a", "b", "c", "d", "e"], [InputMapping.Parse("input=b..e")]).Bindings.Single();

        Assert.Equal([2, 3, 4, 5], binding.Columns);
    }

    [Fact]
    public void Bind_FileWithoutTheInput_FailsNamingInputAndColumns()
    {
        var error = Assert.Throws<JobException>(() => RowMapper.Bind(Iris, ["sepal_length", "species"], []));

        Assert.Contains("no column for model input input (FP32 [-1,4])", error.Message);
        Assert.Contains("columns: sepal_length, species", error.Message);
        Assert.Contains("--map input=", error.Message);
    }

    [Theory]
    [InlineData("input=a+b+c", "takes 4 values per row; 3 columns are mapped")]
    [InlineData("input=a+b+c+zz", "mapped to column 'zz', which the file does not have")]
    [InlineData("input=d..a", "comes before")]
    [InlineData("other=a", "names input 'other', which the model does not have")]
    public void Bind_WrongMapping_FailsWithTheReason(string map, string reason)
    {
        var error = Assert.Throws<JobException>(() => RowMapper.Bind(Iris, ["a", "b", "c", "d"], [InputMapping.Parse(map)]));

        Assert.Contains(reason, error.Message);
    }
}
